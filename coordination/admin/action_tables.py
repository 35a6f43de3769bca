"""What the action pages show of a request beside the form: the matcher's proposal as a table (route) and
the accepted offers that approving approves."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from ..matching.proposal import proposal_for_coordinator
from ..models import FinancingRequest, Tranche
from ..policies.support import StoredSupport, stored_supports
from ..workflow.tables import REQUEST_TRANSITIONS
from .display import Factor, money, offer_terms, percent, top_factors


@dataclass
class ProposedCandidate:
    """One row of the route page's proposal table."""

    pk: int
    rank: int
    institution: str
    product: str
    score: Decimal
    selected: bool
    note: str
    top: list[Factor]
    more: list[Factor]
    first: bool = True  # a product fitting two tranches is ticked once, where it first appears
    checked: bool = False


@dataclass
class ProposedTranche:
    title: str
    limit: int
    waiting: int
    report: str
    candidates: list[ProposedCandidate]


@dataclass(frozen=True)
class AcceptedOffer:
    """What approving a tranche approves: the accepted offer's institution and terms."""

    tranche: str
    requested: str
    institution: str
    product: str
    amount: str
    rate: str
    term: str
    terms: list[tuple[str, str]]
    valid_until: date | None
    net_rate: str = ""
    support: list[StoredSupport] = field(default_factory=list)


# The pages that decide on the accepted offers show them: what is approved (DESIGN §9).
SHOWS_ACCEPTED_OFFERS = frozenset({"approve", "cancel_approval"})


def accepted_offers(objects: list[FinancingRequest]) -> dict[int, list[AcceptedOffer]]:
    """Each tranche's accepted offer — institution, product, amount, rate, term, further terms — of
    every request on the page, read in one query."""
    tranches = (
        Tranche.objects.filter(request__in=[obj.pk for obj in objects])
        .select_related("accepted_offer__referral__institution", "accepted_offer__referral__product")
        .order_by("request_id", "position")
    )
    found: dict[int, list[AcceptedOffer]] = {}
    for tranche in tranches:
        offer = tranche.accepted_offer
        found.setdefault(tranche.request_id, []).append(
            AcceptedOffer(
                tranche=f"{tranche.position} · {tranche.get_instrument_display()}",
                requested=money(tranche.amount),
                institution=str(offer.referral.institution) if offer else "",
                product=str(offer.referral.product.name) if offer else "",
                amount=money(offer.amount) if offer else "",
                rate=percent(offer.annual_rate) if offer else "",
                term=(
                    gettext("%(months)s months") % {"months": offer.term_months}
                    if offer and offer.term_months
                    else "—"
                ),
                terms=offer_terms(offer) if offer else [],
                valid_until=offer.valid_until if offer else None,
                net_rate=percent(offer.net_annual_rate) if offer else "",
                support=stored_supports(offer.policy_support) if offer else [],
            )
        )
    return found


def proposal_table(
    obj: FinancingRequest,
) -> tuple[list[tuple[int, str]], list[int], list[str], list[ProposedTranche]]:
    """The matcher's run for the coordinator: every eligible product (the form's choices), the proposed
    ones to pre-check, why a tranche gets nobody new, and the table the page shows — per tranche, each
    candidate with its score, its top factors and the rest behind an "expand"."""
    if obj.status not in REQUEST_TRANSITIONS["route"].sources:
        return [], [], [], []
    proposal = proposal_for_coordinator(obj)
    choices: dict[int, str] = {}
    proposed: list[int] = []
    table = []
    for tranche_proposal in proposal.tranches:
        tranche = tranche_proposal.tranche
        rows = []
        for candidate in tranche_proposal.candidates:
            pk = candidate.product.pk
            top, more = top_factors(candidate.explanation)
            rows.append(
                ProposedCandidate(
                    pk=pk,
                    rank=candidate.rank,
                    institution=str(candidate.product.institution.name),
                    product=str(candidate.product.name),
                    score=candidate.score,
                    selected=candidate.selected,
                    note=str(candidate.note),
                    top=top,
                    more=more,
                    first=pk not in choices,
                )
            )
            if pk not in choices:
                choices[pk] = f"{candidate.product.institution.name} · {candidate.product.name} (#{pk})"
            if candidate.selected and pk not in proposed:
                proposed.append(pk)
        table.append(
            ProposedTranche(
                title=gettext("Tranche %(position)s · %(instrument)s · %(amount)s")
                % {
                    "position": tranche.position,
                    "instrument": tranche_proposal.instrument_label,
                    "amount": money(tranche.amount),
                },
                limit=tranche_proposal.limit,
                waiting=tranche_proposal.waiting,
                report=str(tranche_proposal.report),
                candidates=rows,
            )
        )
    reports = [str(t.report) for t in proposal.tranches if t.report]
    return list(choices.items()), proposed, reports, table
