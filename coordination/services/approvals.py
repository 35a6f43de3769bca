"""Maker-checker approval of a request's accepted package, its cancellation, and recording the funding."""

from datetime import date

from django.utils import timezone

from ..errors import Conflict, NotFound, PermissionDenied
from ..models import FinancingRequest
from ..workflow import engine, rules
from .amounts import as_money
from .funding import checked_funding
from .locking import act_on_request
from .policy_ledger import commit_policy_support


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
    return act_on_request("approve", request_id, user, idempotency_key, body)


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
        )
        tranche.save(update_fields=["funded_amount", "funded_on"])
        commit_policy_support(tranche=tranche)

    return act_on_request("record_funding", request_id, user, idempotency_key, body)
