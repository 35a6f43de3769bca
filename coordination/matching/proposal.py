"""The matcher: hard filters in SQL, a score with its explanation, the routing policy.

`propose(request)` gives the proposed candidates per open tranche (`routing_proposal(request)`, what
routing uses, the same with the context it read);
`proposal_for_coordinator(request)` is the same run with every eligible candidate ranked, the reason
each unproposed one was left out, and a plain report of tranches that no product covers;
`candidate_for(product, tranche, request)` scores one product a coordinator picked by hand,
`candidates_for(ctx, picks)` all of a routing's picks at once.

Four round trips whatever the catalogue holds: the enterprise and its region when the request came
without them; the context and the open tranches sent as one (context.context_and_open_tranches: the
enterprise's credits, pilot zone and first loan; its fields; the request's referrals; the policy
programmes in force with their fields and the re-lending terms; the institutions serving the enterprise's
region by name; the tranches without an accepted offer);
every eligible product of every tranche in one query; and one grouped read of the candidate institutions'
referral history (record and pending exposure); and, for a major task's request, the institutions its
package invited (DESIGN §14). The hot reads are plain SQL: building and compiling them through the ORM
cost several times their run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

from lenders.choices import Instrument
from lenders.models import Product
from projects.sentences import one_after_the_other

from ..choices import lower_first
from ..models import FinancingRequest, PackageTranche, Tranche
from . import eligibility as el
from . import rows
from .candidates import Candidate
from .context import (
    InstitutionRecord,
    MatchContext,
    build_context,
    context_and_open_tranches,
    referral_history,
)
from .policy import KIND_PLURAL, invited_only, kind_of, rank, route_limit, select
from .scoring import ProductFacts, SharedPoints, factor_weights, score_candidate, yuan


@dataclass
class TrancheProposal:
    tranche: Tranche
    kind: str
    limit: int
    waiting: int
    # Ranked: every eligible product in proposal_for_coordinator(), the proposed ones in propose().
    candidates: list[Candidate] = field(default_factory=list)
    eligible: int = 0  # how many products passed the hard filters
    report: str = ""  # plain words when the tranche gets nobody new

    @property
    def selected(self) -> list[Candidate]:
        return [c for c in self.candidates if c.selected]

    @property
    def instrument_label(self) -> str:
        return Instrument(self.tranche.instrument).label


@dataclass
class Proposal:
    request: FinancingRequest
    context: MatchContext
    tranches: list[TrancheProposal]

    @property
    def uncovered(self) -> list[str]:
        """One sentence per open tranche that no eligible product covers."""
        return [t.report for t in self.tranches if not t.eligible]

    @property
    def product_ids(self) -> list[int]:
        return [c.product.pk for t in self.tranches for c in t.selected]

    def as_dict(self) -> dict:
        """JSON-ready, for APIs and for the audit."""
        return {
            "request": self.request.reference,
            "credit_score": str(self.context.credit_score),
            "tranches": [
                {
                    "tranche": t.tranche.pk,
                    "position": t.tranche.position,
                    "instrument": t.tranche.instrument,
                    "amount": str(t.tranche.amount),
                    "limit": t.limit,
                    "waiting": t.waiting,
                    "report": t.report,
                    "candidates": [
                        {
                            "product": c.product.pk,
                            "product_name": c.product.name,
                            "institution": c.product.institution_id,
                            "institution_name": c.product.institution.name,
                            "rank": c.rank,
                            "score": str(c.score),
                            "selected": c.selected,
                            "note": c.note,
                            "explanation": c.explanation,
                        }
                        for c in t.candidates
                    ],
                }
                for t in self.tranches
            ],
            "uncovered": self.uncovered,
        }


def _invitations(request: FinancingRequest) -> dict[int, set[int]]:
    """The institutions a coordinator invited to each tranche (by position) of the package this request was
    filed from (DESIGN §14); read only for a major task's request, the only kind a package files."""
    if request.major_task_id is None:
        return {}
    invited: dict[int, set[int]] = {}
    rows = PackageTranche.institutions.through.objects.filter(packagetranche__package__request_id=request.pk)
    for position, institution_id in rows.values_list("packagetranche__position", "institution_id"):
        invited.setdefault(position, set()).add(institution_id)
    return invited


# Read only (the score never writes a record): one for every candidate without history, not one each.
_NO_RECORD, _NOTHING_PENDING = InstitutionRecord(), Decimal(0)


def _facts(
    ctx: MatchContext,
    product: Product | rows.ProductRow,
    targets_hard_tech: bool,
    records: dict[int, InstitutionRecord],
    pending: dict[int, Decimal],
) -> ProductFacts:
    """What the score reads about `product` beyond its row: whether its institution is local (the
    context's), whether it targets a hard-tech field of the enterprise, its institution's record and its
    pending exposure (`referral_history`)."""
    return ProductFacts(
        institution_local=product.institution_id in ctx.local_institution_ids,
        targets_hard_tech=targets_hard_tech,
        record=records.get(product.institution_id) or _NO_RECORD,
        pending=pending.get(product.pk, _NOTHING_PENDING),
    )


def _run(request: FinancingRequest, *, diagnose: bool) -> Proposal:
    """Filter in SQL, score every eligible product, rank, select; explain the proposed candidates
    (every candidate when `diagnose`, for the coordinator's view)."""
    ctx, tranches = context_and_open_tranches(request)
    products = rows.fetch(el.eligible_products(ctx, tranches), [t.pk for t in tranches]) if tranches else []
    records, pending = referral_history(ctx, sorted({p.institution_id for p in products}))
    invitations = _invitations(request)
    weights = factor_weights()
    committed: dict[int, Decimal] = {}
    materialized: dict[int, Product] = {}
    facts: dict[int, ProductFacts] = {}  # a product's facts are the same for every tranche it fits
    result = []
    for tranche in tranches:
        kind = kind_of(tranche.instrument)
        proposal = TrancheProposal(
            tranche=tranche, kind=kind, limit=route_limit(kind), waiting=ctx.waiting(tranche.pk)
        )
        shared = SharedPoints()
        scored = []
        for product in products:
            if tranche.pk not in product.fits:
                continue
            if product.pk not in facts:
                facts[product.pk] = _facts(ctx, product, product.targets_hard_tech, records, pending)
            scored.append(
                score_candidate(
                    product, tranche, ctx, facts[product.pk], weights=weights, explain=False, shared=shared
                )
            )
        proposal.candidates = rank(scored, request_id=request.pk, records=records)
        selectable = proposal.candidates
        if tranche.position in invitations:
            selectable = invited_only(proposal.candidates, invitations[tranche.position])
        select(tranche, selectable, waiting=proposal.waiting, committed=committed)
        kept = []
        for candidate in proposal.candidates:
            if diagnose or candidate.selected:
                pk = candidate.product.pk
                if pk not in materialized:
                    materialized[pk] = candidate.product.materialize()
                candidate.product = materialized[pk]
                explained = score_candidate(candidate.product, tranche, ctx, facts[pk], weights=weights)
                candidate.explanation = explained.explanation
                kept.append(candidate)
        # Unexplained candidates (propose() keeps only the selected) are light rows: not handed out.
        proposal.candidates, proposal.eligible = kept, len(scored)
        proposal.report = _report(ctx, proposal, diagnose=diagnose)
        result.append(proposal)
    return Proposal(request=request, context=ctx, tranches=result)


def _describe(tranche: Tranche) -> str:
    return gettext("tranche %(position)s (%(instrument)s, %(amount)s)") % {
        "position": tranche.position,
        "instrument": Instrument(tranche.instrument).label,
        "amount": yuan(tranche.amount),
    }


def _report(ctx: MatchContext, proposal: TrancheProposal, *, diagnose: bool) -> str:
    tranche = proposal.tranche
    if not proposal.eligible:
        text = gettext("No product covers %(tranche)s.") % {"tranche": _describe(tranche)}
        if diagnose:
            text = one_after_the_other(text, funnel(ctx, tranche))
        return text
    if not proposal.selected:
        if proposal.waiting >= proposal.limit:
            return gettext("%(tranche)s already waits on %(waiting)s %(kind)s; nothing new is proposed.") % {
                "tranche": capfirst(_describe(tranche)),
                "waiting": proposal.waiting,
                "kind": KIND_PLURAL[proposal.kind],
            }
        return gettext("No eligible product of %(tranche)s has capacity left for the whole package.") % {
            "tranche": _describe(tranche)
        }
    return ""


def funnel(ctx: MatchContext, tranche: Tranche) -> str:
    """Plain words for why nothing fits: how many products of the instrument survive each filter in turn."""
    stage = lower_first(str(ctx.enterprise.get_stage_display()))
    steps = [
        (gettext("active today"), el.active_condition(ctx)),
        (gettext("amount %(amount)s") % {"amount": yuan(tranche.amount)}, el.amount_condition(tranche)),
        (gettext("term %(months)s months") % {"months": ctx.request.term_months}, el.term_condition(ctx)),
        (gettext("%(stage)s stage") % {"stage": stage}, el.stage_condition(ctx)),
        (gettext("the enterprise's region"), el.region_condition(ctx)),
        (gettext("the enterprise's fields"), el.field_condition(ctx)),
        (gettext("tech-SME registration"), el.tech_sme_condition(ctx)),
        (gettext("innovation credit %(score)s") % {"score": ctx.credit_score}, el.credit_condition(ctx)),
        (gettext("capacity left"), el.capacity_condition(tranche)),
        (gettext("institution not asked before and not declined"), el.institution_condition(ctx, tranche)),
    ]
    cumulative = el.Sql()
    sums, params = [], []
    for _words, condition in steps:
        cumulative &= condition
        sums.append(f"SUM(CASE WHEN {cumulative.where} THEN 1 ELSE 0 END)")
        params.extend(cumulative.params)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), {', '.join(sums)} {el.products_with_institutions()} "
            f'WHERE "{el.PRODUCT}"."instrument" = %s',
            [*params, tranche.instrument],
        )
        total, *passing = cursor.fetchone()
    counts = {"total": total, **{f"step_{index}": count or 0 for index, count in enumerate(passing)}}
    label = str(Instrument(tranche.instrument).label).lower()
    if not counts["total"]:
        return gettext("The catalogue has no %(instrument)s product at all.") % {"instrument": label}
    passed = []
    for index, (words, _condition) in enumerate(steps):
        count = counts[f"step_{index}"]
        passed.append(f"{words} {count}")
        summary = {"total": counts["total"], "instrument": label, "steps": " → ".join(passed), "last": words}
        if count == 0:
            return (
                gettext(
                    "Of %(total)s %(instrument)s products, still in after each filter: %(steps)s. "
                    "The filter that leaves none: %(last)s."
                )
                % summary
            )
    return gettext("Of %(total)s %(instrument)s products, still in after each filter: %(steps)s.") % summary


def routing_proposal(request: FinancingRequest) -> Proposal:
    """The proposed candidates of every open tranche (possibly none), best first, with the context read
    for them (routing re-checks and scores the coordinator's picks against it, without reading it again)."""
    return _run(request, diagnose=False)


def propose(request: FinancingRequest) -> dict[Tranche, list[Candidate]]:
    """The proposed candidates of every open tranche (possibly none), best first."""
    return {t.tranche: t.selected for t in routing_proposal(request).tranches}


def proposal_for_coordinator(request: FinancingRequest) -> Proposal:
    """Every eligible candidate ranked with its explanation, which are proposed and why the others are
    not, and a plain report of tranches no product covers — for the coordinator before routing."""
    return _run(request, diagnose=True)


def candidate_for(product: Product, tranche: Tranche, request: FinancingRequest) -> Candidate:
    """Score one product for one tranche, the same way the proposal does (a coordinator's own pick)."""
    return candidates_for(build_context(request, today=timezone.localdate()), [(product, tranche)])[0]


def candidates_for(ctx: MatchContext, picks: Sequence[tuple[Product, Tranche]]) -> list[Candidate]:
    """Score products a coordinator picked by hand, each for its tranche, the way the proposal does: two
    queries however many (the products with the facts the score reads, their institutions' history)."""
    products = {
        product.pk: product
        for product in Product.objects.filter(pk__in={product.pk for product, _ in picks})
        .annotate(targets_hard_tech=el.targets_hard_tech(ctx).expression())
        .select_related("institution")
    }
    records, pending = referral_history(ctx, sorted({p.institution_id for p in products.values()}))
    weights = factor_weights()
    candidates = []
    for pick, tranche in picks:
        product = products[pick.pk]
        facts = _facts(ctx, product, bool(product.targets_hard_tech), records, pending)
        candidate = score_candidate(product, tranche, ctx, facts, weights=weights)
        candidate.selected = True
        candidate.note = gettext("chosen by the coordinator")
        candidates.append(candidate)
    return candidates
