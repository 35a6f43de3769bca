"""Routing a screened request to the chosen products (the coordinator's edit of the matcher's proposal), and
accepting a partial package when not every tranche found an offer."""

from lenders.models import Product

from ..choices import Role
from ..errors import Conflict, ValidationFailed
from ..matching.eligibility import ineligibility_reasons_in_bulk
from ..matching.proposal import candidates_for, routing_proposal
from ..models import FinancingRequest, Referral, Tranche
from ..workflow import engine
from ..workflow.tables import LIVE_REFERRAL
from .locking import act_on_request


def route_request(
    *,
    request_id: int,
    user,
    product_ids: list[int] | None = None,
    reason: str = "",
    idempotency_key: str = "",
) -> FinancingRequest:
    """Send every open tranche to products: the coordinator's choice, or the matcher's proposal.

    A fixed number of queries whatever the number of candidates: the matcher's context serves the
    re-check of every candidate (eligibility.ineligibility_reasons_in_bulk) and the scoring of the
    coordinator's picks; the referrals and their audit, deadlines and outbox messages are written in
    bulk."""

    def body(request):
        roles = engine.acting_roles(request, user)  # read once: the check below and the transition
        engine.check(request, "route", user, reason, roles=roles)
        matched = routing_proposal(request)
        open_tranches = [t.tranche for t in matched.tranches]
        ctx = matched.context
        proposal = {t.tranche.pk: t.selected for t in matched.tranches}
        if product_ids is None:
            chosen = proposal
        else:
            assigned = _assign_products(open_tranches, product_ids)
            picks = [(p, tranche) for tranche, products in assigned.values() for p in products]
            scored = iter(candidates_for(ctx, picks))
            chosen = {
                tranche_pk: [next(scored) for _ in products] for tranche_pk, (_, products) in assigned.items()
            }
        checked = [(c.product, tranche) for tranche in open_tranches for c in chosen.get(tranche.pk, [])]
        problems_of = dict(
            zip(
                [(product.pk, tranche.pk) for product, tranche in checked],
                ineligibility_reasons_in_bulk(ctx, checked),
                strict=True,
            )
        )
        live_tranches = {r["tranche_id"] for r in ctx.referrals if r["status"] in LIVE_REFERRAL}
        routed = []
        for tranche in open_tranches:
            candidates = chosen.get(tranche.pk, [])
            live = tranche.pk in live_tranches
            if not candidates and not live:
                raise ValidationFailed(
                    f"Tranche {tranche.position} ({tranche.instrument}) has no product to route to.",
                    fields={"products": [f"no eligible product for tranche {tranche.position}"]},
                )
            institutions: set[int] = set()
            for candidate in candidates:
                # At most one product per institution and tranche (DESIGN.md §5; a second would also
                # break the referral_once_per_institution constraint): the matcher's first, best one,
                # while a coordinator's list naming two is refused.
                if candidate.product.institution_id in institutions:
                    if product_ids is None:
                        continue
                    raise ValidationFailed(
                        f"Tranche {tranche.position} can go to {candidate.product.institution} only once.",
                        fields={"products": [f"{candidate.product.pk}: a second product of one institution"]},
                    )
                institutions.add(candidate.product.institution_id)
                problems = problems_of[candidate.product.pk, tranche.pk]
                if problems:
                    raise ValidationFailed(
                        f"{candidate.product} cannot take tranche {tranche.position}: {'; '.join(problems)}.",
                        fields={"products": [f"{candidate.product.pk}: {'; '.join(problems)}"]},
                    )
                routed.append((tranche, candidate))
        request.needs_rerouting = False
        engine.transition(
            request,
            "route",
            user=user,
            reason=reason,
            idempotency_key=idempotency_key,
            roles=roles,
            data={
                "products": [c.product.pk for _, c in routed],
                "edited_by_coordinator": product_ids is not None,
                # The coordinator's edits relative to the matcher's proposal.
                "added": sorted({c.product.pk for _, c in routed} - _ids(proposal)),
                "removed": sorted(_ids(proposal) - {c.product.pk for _, c in routed}),
            },
        )
        referrals = Referral.objects.bulk_create(
            Referral(
                tranche=tranche,
                request=request,
                product=candidate.product,
                institution=candidate.product.institution,
                score=candidate.score,
                explanation=candidate.explanation,
            )
            for tranche, candidate in routed
        )
        engine.record_creations(referrals, "route", user=user, role=Role.COORDINATOR)

    return act_on_request("route", request_id, user, idempotency_key, body)


def _ids(proposal: dict) -> set[int]:
    return {c.product.pk for candidates in proposal.values() for c in candidates}


def _assign_products(open_tranches: list[Tranche], product_ids: list[int]) -> dict[int, tuple[Tranche, list]]:
    """The coordinator's products, each given to every open tranche of its instrument."""
    found = {p.pk: p for p in Product.objects.filter(pk__in=product_ids)}
    unknown = [pk for pk in product_ids if pk not in found]
    if unknown:
        raise ValidationFailed("Unknown products.", fields={"products": [f"unknown product ids: {unknown}"]})
    chosen: dict[int, tuple[Tranche, list]] = {}
    for pk in dict.fromkeys(product_ids):
        product = found[pk]
        targets = [t for t in open_tranches if t.instrument == product.instrument]
        if not targets:
            raise ValidationFailed(
                "Product does not fit any open tranche.",
                fields={"products": [f"{pk}: no open tranche asks for {product.instrument}"]},
            )
        for tranche in targets:
            chosen.setdefault(tranche.pk, (tranche, []))[1].append(product)
    return chosen


def accept_partial_package(
    *, request_id: int, user, reason: str, idempotency_key: str = ""
) -> FinancingRequest:
    def body(request):
        roles = engine.acting_roles(request, user)  # read once: the check below and the transition
        engine.check(request, "accept_partial_package", user, reason, roles=roles)
        if not request.tranches.filter(accepted_offer__isnull=False).exists():
            raise Conflict("No tranche has an accepted offer yet.", code="no_accepted_tranche")
        request.partial_package_reason = reason.strip()
        engine.transition(
            request,
            "accept_partial_package",
            user=user,
            reason=reason,
            idempotency_key=idempotency_key,
            roles=roles,
        )

    return act_on_request("accept_partial_package", request_id, user, idempotency_key, body)
