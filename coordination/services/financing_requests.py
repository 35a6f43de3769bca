"""Use cases on a financing request. Each is one transaction, optionally idempotent by key."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lenders.choices import Instrument
from lenders.models import Product
from projects.choices import TaskLevel
from projects.models import Enterprise, MajorTask

from ..choices import Role
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..matching.eligibility import ineligibility_reasons
from ..matching.proposal import candidate_for, propose
from ..models import FinancingRequest, ReferenceCounter, Referral, Tranche
from ..workflow import engine, rules
from ..workflow.deadlines import extend_deadlines
from ..workflow.tables import LIVE_REFERRAL
from .funding import checked_funding
from .locking import lock_request, with_idempotency
from .screening import screen

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class TrancheInput:
    instrument: str
    amount: Decimal


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(TWO_PLACES)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed("Invalid amount.", fields={field: ["Enter a number."]}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed("Invalid amount.", fields={field: ["Must be greater than zero."]})
    return amount


def next_reference(year: int) -> str:
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"FR-{year}-{counter.last:06d}"


def create_request(
    *,
    user,
    enterprise_id: int,
    purpose: str,
    amount,
    term_months: int,
    tranches: list[TrancheInput],
    major_task_id: int | None = None,
    needed_by: date | None = None,
) -> FinancingRequest:
    errors: dict[str, list[str]] = {}
    enterprise = Enterprise.objects.filter(pk=enterprise_id, members=user).select_related("region").first()
    if enterprise is None:
        errors["enterprise"] = ["Unknown enterprise, or you are not one of its members."]
    elif rules.current_scope(user) is not None:
        # DESIGN.md §1: a coordinator never acts as an applicant, even when a member.
        errors["enterprise"] = ["Coordinators do not file financing requests."]
    amount = _money(amount, "amount")
    if not isinstance(term_months, int) or not 1 <= term_months <= 600:
        errors["term_months"] = ["Must be a whole number of months from 1 to 600."]
    if not tranches:
        errors["tranches"] = ["At least one tranche (instrument and amount) is required."]
    for index, tranche in enumerate(tranches):
        if tranche.instrument not in Instrument.values:
            errors[f"tranches[{index}].instrument"] = [f"'{tranche.instrument}' is not a known instrument."]
    tranche_amounts = [_money(t.amount, f"tranches[{i}].amount") for i, t in enumerate(tranches)]
    if tranches and sum(tranche_amounts) != amount:
        errors["tranches"] = [f"Tranche amounts add up to {sum(tranche_amounts)}, not the amount {amount}."]
    major_task = None
    if major_task_id is not None:
        major_task = MajorTask.objects.filter(pk=major_task_id).first()
        if (
            major_task is None
            or enterprise is None
            or not (
                major_task.lead_enterprise_id == enterprise.pk
                or major_task.participants.filter(pk=enterprise.pk).exists()
            )
        ):
            errors["major_task"] = ["Unknown major task, or the enterprise does not take part in it."]
    if needed_by is not None and needed_by < timezone.localdate():
        errors["needed_by"] = ["Must not be in the past."]
    if not purpose or not purpose.strip():
        errors["purpose"] = ["This field is required."]
    if errors:
        raise ValidationFailed("The request is not valid.", fields=errors)
    assert enterprise is not None  # an unknown enterprise is one of the errors above
    with transaction.atomic():
        request = FinancingRequest.objects.create(
            enterprise=enterprise,
            major_task=major_task,
            purpose=purpose.strip(),
            amount=amount,
            term_months=term_months,
            needed_by=needed_by,
            created_by=user,
            reference=next_reference(timezone.localdate().year),
        )
        Tranche.objects.bulk_create(
            Tranche(request=request, position=i + 1, instrument=t.instrument, amount=a)
            for i, (t, a) in enumerate(zip(tranches, tranche_amounts, strict=True))
        )
        engine.record_creation(request, "create", user=user, role=Role.APPLICANT)
    return request


def needs_national(request: FinancingRequest) -> bool:
    national_task = request.major_task is not None and request.major_task.level == TaskLevel.NATIONAL
    return national_task or request.amount >= settings.NATIONAL_THRESHOLD_YUAN


def _run_screening(request: FinancingRequest) -> None:
    result = screen(request)
    request.screening = result
    request.escalated = needs_national(request)
    if result["missing"]:
        request.info_request = "\n".join(result["missing"])
        engine.transition(request, "screen_fail", reason="; ".join(result["missing"]), data=result)
    else:
        request.info_request = ""
        engine.transition(request, "screen_pass", data=result)


def _act(action: str, request_id: int, user, key: str, body) -> FinancingRequest:
    def run() -> FinancingRequest:
        request = lock_request(request_id)
        body(request)
        return request

    return with_idempotency(
        user=user,
        key=key,
        action=action,
        object_type="financing_request",
        object_id=request_id,
        run=run,
        replay=lambda: FinancingRequest.objects.get(pk=request_id),
    )


def submit_request(*, request_id: int, user, idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        request.submitted_at = timezone.now()
        engine.transition(request, "submit", user=user, idempotency_key=idempotency_key)
        _run_screening(request)

    return _act("submit", request_id, user, idempotency_key, body)


def resubmit_request(*, request_id: int, user, note: str = "", idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        engine.transition(request, "resubmit", user=user, reason=note, idempotency_key=idempotency_key)
        _run_screening(request)

    return _act("resubmit", request_id, user, idempotency_key, body)


def request_information(*, request_id: int, user, reason: str, idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        request.info_request = reason.strip()
        engine.transition(request, "request_info", user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("request_info", request_id, user, idempotency_key, body)


def reject_request(*, request_id: int, user, reason: str, idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        engine.transition(request, "reject", user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("reject", request_id, user, idempotency_key, body)


def route_request(
    *,
    request_id: int,
    user,
    product_ids: list[int] | None = None,
    reason: str = "",
    idempotency_key: str = "",
) -> FinancingRequest:
    """Send every open tranche to products: the coordinator's choice, or the matcher's proposal."""

    def body(request):
        engine.check(request, "route", user, reason)
        open_tranches = [t for t in request.tranches.all() if t.accepted_offer_id is None]
        proposal = {t.pk: candidates for t, candidates in propose(request).items()}
        if product_ids is None:
            chosen = proposal
        else:
            chosen = {
                tranche_pk: [candidate_for(p, tranche, request) for p in products]
                for tranche_pk, (tranche, products) in _assign_products(open_tranches, product_ids).items()
            }
        today = timezone.localdate()
        routed = []
        for tranche in open_tranches:
            candidates = chosen.get(tranche.pk, [])
            live = tranche.referrals.filter(status__in=LIVE_REFERRAL).exists()
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
                problems = ineligibility_reasons(candidate.product, tranche, request, today=today)
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
            data={
                "products": [c.product.pk for _, c in routed],
                "edited_by_coordinator": product_ids is not None,
                # The coordinator's edits relative to the matcher's proposal.
                "added": sorted({c.product.pk for _, c in routed} - _ids(proposal)),
                "removed": sorted(_ids(proposal) - {c.product.pk for _, c in routed}),
            },
        )
        for tranche, candidate in routed:
            referral = Referral.objects.create(
                tranche=tranche,
                request=request,
                product=candidate.product,
                institution=candidate.product.institution,
                score=candidate.score,
                explanation=candidate.explanation,
            )
            engine.record_creation(referral, "route", user=user, role=Role.COORDINATOR)

    return _act("route", request_id, user, idempotency_key, body)


def _ids(proposal: dict) -> set[int]:
    return {c.product.pk for candidates in proposal.values() for c in candidates}


def _assign_products(open_tranches: list[Tranche], product_ids: list[int]) -> dict[int, tuple[Tranche, list]]:
    """The coordinator's products, each given to every open tranche of its instrument."""
    products = Product.objects.select_related("institution").prefetch_related(
        "regions", "fields", "institution__regions"
    )
    found = {p.pk: p for p in products.filter(pk__in=product_ids)}
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
        engine.check(request, "accept_partial_package", user, reason)
        if not request.tranches.filter(accepted_offer__isnull=False).exists():
            raise Conflict("No tranche has an accepted offer yet.", code="no_accepted_tranche")
        request.partial_package_reason = reason.strip()
        engine.transition(
            request, "accept_partial_package", user=user, reason=reason, idempotency_key=idempotency_key
        )

    return _act("accept_partial_package", request_id, user, idempotency_key, body)


def approve_request(
    *, request_id: int, user, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    """Approve; for escalated requests the first national coordinator proposes and a second confirms.

    Which of the two a call means is read before the lock, so two approvals racing on the same
    state give one success and one conflict rather than a proposal confirmed by its racer.
    """
    seen = (
        FinancingRequest.objects.filter(pk=request_id).values("escalated", "approval_proposed_by_id").first()
    )
    if seen is None:
        raise NotFound()
    if not seen["escalated"]:
        action = "approve"
    elif seen["approval_proposed_by_id"] is None:
        action = "propose_approval"
    else:
        action = "confirm_approval"

    def body(request):
        # Escalation and maker-checker are the table's rules (workflow/rules.py), checked by the engine.
        proposer = request.approval_proposed_by_id
        if action == "propose_approval":
            engine.transition(request, action, user=user, reason=reason, idempotency_key=idempotency_key)
            request.approval_proposed_by = user
            request.approval_proposed_at = timezone.now()
            request.save(update_fields=["approval_proposed_by", "approval_proposed_at", "updated_at"])
        else:
            engine.transition(
                request,
                action,
                user=user,
                reason=reason,
                idempotency_key=idempotency_key,
                data={"proposed_by": proposer} if proposer else None,
            )

    # One idempotency action for the three steps: a retried proposal must replay, not turn into a
    # "confirm" that the key's record does not match.
    return _act("approve", request_id, user, idempotency_key, body)


def cancel_approval_proposal(
    *, request_id: int, user, reason: str, idempotency_key: str = ""
) -> FinancingRequest:
    def body(request):
        engine.transition(
            request, "cancel_approval", user=user, reason=reason, idempotency_key=idempotency_key
        )
        request.approval_proposed_by = None
        request.approval_proposed_at = None
        request.save(update_fields=["approval_proposed_by", "approval_proposed_at", "updated_at"])

    return _act("cancel_approval", request_id, user, idempotency_key, body)


def record_funding(
    *,
    request_id: int,
    user,
    tranche_id: int | None = None,
    amount=None,
    funded_on: date | None = None,
    idempotency_key: str = "",
) -> FinancingRequest:
    """The institution of an accepted offer records its disbursement; the request is funded when all are."""

    def body(request):
        engine.check(request, "record_funding", user)  # funding rights: rules.funds_own_tranche
        mine = rules.own_accepted_tranches(request, user)
        if tranche_id is not None:
            mine = [t for t in mine if t.pk == tranche_id]
        if not mine:
            raise PermissionDenied("Your institution has no accepted offer on this request.")
        unfunded = [t for t in mine if t.funded_on is None]
        if not unfunded:
            raise Conflict("Funding is already recorded for your tranche.", code="already_funded")
        tranche = unfunded[0]
        tranche.funded_amount, tranche.funded_on = checked_funding(
            tranche, None if amount is None else _money(amount, "amount"), funded_on
        )
        others_unfunded = request.tranches.filter(accepted_offer__isnull=False, funded_on__isnull=True)
        complete = not others_unfunded.exclude(pk=tranche.pk).exists()
        data = {
            "tranche": tranche.pk,
            "amount": str(tranche.funded_amount),
            "funded_on": str(tranche.funded_on),
        }
        # The engine checks the funding rights again, so the tranche is written after the transition.
        engine.transition(
            request,
            "record_funding",
            user=user,
            idempotency_key=idempotency_key,
            data=data,
            target=None if complete else request.status,
        )
        tranche.save(update_fields=["funded_amount", "funded_on"])

    return _act("record_funding", request_id, user, idempotency_key, body)


def take_action(
    *, request_id: int, user, action: str, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    """A table row that needs no use case of its own: the transition alone, under the request's lock."""

    def body(request):
        engine.transition(request, action, user=user, reason=reason, idempotency_key=idempotency_key)

    return _act(action, request_id, user, idempotency_key, body)


def close_request(
    *, request_id: int, user=None, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    return _act(
        "close",
        request_id,
        user,
        idempotency_key,
        lambda request: engine.transition(
            request, "close", user=user, reason=reason, idempotency_key=idempotency_key
        ),
    )


def withdraw_request(
    *, request_id: int, user, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    def body(request):
        engine.transition(request, "withdraw", user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("withdraw", request_id, user, idempotency_key, body)


def expire_request(*, request_id: int) -> FinancingRequest:
    def body(request):
        engine.transition(request, "expire", reason="deadline passed")

    return _act("expire", request_id, None, "", body)


def extend_request_deadline(
    *, request_id: int, user, business_days: int, reason: str, idempotency_key: str = ""
) -> FinancingRequest:
    if not isinstance(business_days, int) or not 1 <= business_days <= 60:
        raise ValidationFailed("Invalid extension.", fields={"business_days": ["Must be from 1 to 60."]})
    if not reason.strip():
        raise ValidationFailed("A reason is required.", fields={"reason": ["This field is required."]})

    def body(request):
        _, role = engine.authorise(request, "route", user)  # the people who triage are the people who extend
        moved = extend_deadlines(
            object_type="financing_request", object_id=request.pk, business_days=business_days
        )
        if not moved:
            raise Conflict("This request has no open deadline to extend.", code="no_deadline")
        request.overdue = False
        request.save(update_fields=["overdue", "updated_at"])
        engine.record_decision(
            request,
            "extend_deadline",
            user=user,
            role=role,
            reason=reason,
            data={"business_days": business_days, "due_at": [d.due_at.isoformat() for d in moved]},
        )

    return _act("extend_deadline", request_id, user, idempotency_key, body)
