"""Maker-checker approval of a request's accepted package, its cancellation, and recording the funding."""

from datetime import date

from django.utils import timezone

from ..errors import Conflict, NotFound, PermissionDenied
from ..models import FinancingRequest
from ..workflow import engine, rules
from ..workflow.ledger import commit_policy_support
from ..workflow.rules import Approvable
from .amounts import as_money
from .funding import checked_funding
from .locking import act_on_request


def approval_step(escalated: bool, proposed_by_id: int | None) -> str:
    """Which approval action a call means: one coordinator approves; when escalated the first national
    coordinator proposes (maker) and a second confirms (checker). Read before the lock, so two approvals
    racing on the same state give one success and one conflict rather than a proposal confirmed by its
    racer."""
    if not escalated:
        return "approve"
    return "propose_approval" if proposed_by_id is None else "confirm_approval"


def take_approval_step(obj: Approvable, action: str, *, user, reason: str, idempotency_key: str) -> None:
    """Apply the step on the locked object; the escalation and maker-checker are the table's rules
    (workflow/rules.py), checked by the engine."""
    proposer = obj.approval_proposed_by_id
    if action == "propose_approval":
        engine.transition(obj, action, user=user, reason=reason, idempotency_key=idempotency_key)
        obj.approval_proposed_by = user
        obj.approval_proposed_at = timezone.now()
        obj.save(update_fields=["approval_proposed_by", "approval_proposed_at", "updated_at"])
    else:
        engine.transition(
            obj,
            action,
            user=user,
            reason=reason,
            idempotency_key=idempotency_key,
            data={"proposed_by": proposer} if proposer else None,
        )


def cancel_approval_step(obj: Approvable, *, user, reason: str, idempotency_key: str) -> None:
    engine.transition(obj, "cancel_approval", user=user, reason=reason, idempotency_key=idempotency_key)
    obj.approval_proposed_by = None
    obj.approval_proposed_at = None
    obj.save(update_fields=["approval_proposed_by", "approval_proposed_at", "updated_at"])


def approve_request(
    *, request_id: int, user, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    """Approve; for escalated requests the first national coordinator proposes and a second confirms."""
    seen = (
        FinancingRequest.objects.filter(pk=request_id).values("escalated", "approval_proposed_by_id").first()
    )
    if seen is None:
        raise NotFound()
    action = approval_step(seen["escalated"], seen["approval_proposed_by_id"])

    def body(request):
        take_approval_step(request, action, user=user, reason=reason, idempotency_key=idempotency_key)

    # One idempotency action for the three steps: a retried proposal must replay, not turn into a
    # "confirm" that the key's record does not match.
    return act_on_request("approve", request_id, user, idempotency_key, body)


def cancel_approval_proposal(
    *, request_id: int, user, reason: str, idempotency_key: str = ""
) -> FinancingRequest:
    def body(request):
        cancel_approval_step(request, user=user, reason=reason, idempotency_key=idempotency_key)

    return act_on_request("cancel_approval", request_id, user, idempotency_key, body)


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
        roles = engine.acting_roles(request, user)  # read once: the check below and the transition
        engine.check(request, "record_funding", user, roles=roles)  # funding rights: rules.funds_own_tranche
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
            tranche, None if amount is None else as_money(amount, "amount"), funded_on
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
            roles=roles,
        )
        tranche.save(update_fields=["funded_amount", "funded_on"])
        commit_policy_support(tranche=tranche)

    return act_on_request("record_funding", request_id, user, idempotency_key, body)
