"""Loss claims (DESIGN §10): the institution that funded a risk-compensated tranche reports a default; the
claim on the pool is computed within the caps; a coordinator approves it (maker-checker when escalated) or
rejects it; then it is paid. Every step through the workflow engine; the ledger moves in its effects."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from .. import selectors
from ..choices import ClaimStatus, Role
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import LossClaim, PolicyProgramme, Tranche
from ..policies.parameters import read
from ..workflow import engine, ledger
from ..workflow.business_days import SHANGHAI
from .amounts import as_money
from .approvals import approval_step, cancel_approval_step, take_approval_step
from .locking import lock_claim, lock_request, with_idempotency


def _tranche_of(user, tranche_id) -> Tranche:
    """The funded tranche the user's institution paid out, or 404 (a coordinator: 403, it never acts as an
    institution)."""
    if selectors.coordinator_scope(user) is not None:
        raise PermissionDenied(gettext("Only the institution that funded the loan reports its default."))
    try:
        tranche = selectors.claimable_tranches(user).filter(pk=tranche_id).first()
    except (ValueError, TypeError):
        tranche = None
    if tranche is None:
        raise NotFound()
    return tranche


def _pool(tranche: Tranche, programme_id: int | None) -> PolicyProgramme:
    pools = selectors.risk_pools_on(tranche.pk)
    if programme_id is not None:
        chosen = [p for p in pools if str(p.pk) == str(programme_id)]
        if not chosen:
            raise ValidationFailed(
                gettext("The loss claim is not valid."),
                fields={"programme": [gettext("No risk pool of that id covers this tranche.")]},
            )
        return chosen[0]
    if len(pools) > 1:
        raise ValidationFailed(
            gettext("The loss claim is not valid."),
            fields={"programme": [gettext("Several risk pools cover this tranche: name one.")]},
        )
    return pools[0]  # claimable_tranches has at least one


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def _checked(tranche: Tranche, pool: PolicyProgramme, loss: Decimal, defaulted_on: date) -> None:
    """The loss is at most the principal outstanding (what was funded: repayments are not recorded here);
    the default falls between the funding and today, within the pool's cover period."""
    errors: dict[str, list[str]] = {}
    funded = tranche.funded_amount or Decimal(0)
    if loss > funded:
        errors["loss"] = [gettext("At most the principal outstanding, %(amount)s yuan.") % {"amount": funded}]
    today = timezone.localdate(timezone=SHANGHAI)
    assert tranche.funded_on is not None  # claimable_tranches are funded
    cover_ends = _years_after(tranche.funded_on, int(read(pool.parameters)["cover_years"]))
    if defaulted_on > today:
        errors["defaulted_on"] = [
            gettext("Must not be in the future (today is %(today)s, Asia/Shanghai).") % {"today": today}
        ]
    elif defaulted_on < tranche.funded_on:
        errors["defaulted_on"] = [
            gettext("Must not be before the funding, %(day)s.") % {"day": tranche.funded_on}
        ]
    elif defaulted_on > cover_ends:
        errors["defaulted_on"] = [gettext("The pool's cover ended on %(day)s.") % {"day": cover_ends}]
    if errors:
        raise ValidationFailed(gettext("The loss claim is not valid."), fields=errors)


def report_default(
    *,
    tranche_id: int,
    user,
    loss,
    defaulted_on: date,
    note: str = "",
    programme_id: int | None = None,
    idempotency_key: str = "",
) -> LossClaim:
    """The funding institution reports a default: a claim on the tranche's risk pool, within its caps."""
    tranche = _tranche_of(user, tranche_id)
    loss = as_money(loss, "loss")
    pool = _pool(tranche, programme_id)
    _checked(tranche, pool, loss, defaulted_on)

    def run() -> LossClaim:
        # The request first, as every action on its parts (services/locking.py), then the pool's row.
        request = lock_request(tranche.request_id)
        programme = ledger.locked_programme(pool.pk)
        tranche.request = request
        if (
            LossClaim.objects.filter(tranche=tranche, programme=programme)
            .exclude(status=ClaimStatus.REJECTED)
            .exists()
        ):
            raise Conflict(
                gettext("A claim on this pool is already open or settled for this tranche."),
                code="already_claimed",
            )
        claim = LossClaim(
            request=request,
            tranche=tranche,
            institution=tranche.accepted_offer.referral.institution,  # type: ignore[union-attr]
            programme=programme,
            loss=loss,
            defaulted_on=defaulted_on,
            note=note,
            reported_by=user,
        )
        claim.amount = ledger.claimable(
            programme, tranche, loss=loss, other_public=selectors.other_public_compensation(claim)
        )
        # DESIGN §3 and §10: at or above the national threshold, or on an escalated request, two
        # national coordinators approve (maker, then checker).
        claim.escalated = request.escalated or claim.amount >= settings.NATIONAL_THRESHOLD_YUAN
        claim.save()
        engine.record_creation(
            claim,
            "report_default",
            user=user,
            role=Role.INSTITUTION,
            data={"loss": str(loss), "amount": str(claim.amount), "defaulted_on": str(defaulted_on)},
        )
        return claim

    return with_idempotency(
        user=user,
        key=idempotency_key,
        action="report_default",
        object_type="tranche",
        object_id=tranche.pk,
        run=run,
        replay=lambda: LossClaim.objects.filter(tranche=tranche, reported_by=user).latest("created_at"),
    )


def _act(action: str, claim_id: int, user, key: str, body) -> LossClaim:
    def run() -> LossClaim:
        claim = lock_claim(claim_id)
        body(claim)
        return claim

    return with_idempotency(
        user=user,
        key=key,
        action=action,
        object_type="loss_claim",
        object_id=claim_id,
        run=run,
        replay=lambda: LossClaim.objects.get(pk=claim_id),
    )


def approve_claim(*, claim_id: int, user, reason: str = "", idempotency_key: str = "") -> LossClaim:
    """Approve (the ledger's claim is written); when escalated the first national coordinator proposes and
    a second confirms, by the request's maker-checker rows and rules."""
    seen = LossClaim.objects.filter(pk=claim_id).values("escalated", "approval_proposed_by_id").first()
    if seen is None:
        raise NotFound()
    action = approval_step(seen["escalated"], seen["approval_proposed_by_id"])

    def body(claim):
        take_approval_step(claim, action, user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("approve", claim_id, user, idempotency_key, body)


def cancel_claim_approval(*, claim_id: int, user, reason: str, idempotency_key: str = "") -> LossClaim:
    def body(claim):
        cancel_approval_step(claim, user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("cancel_approval", claim_id, user, idempotency_key, body)


def reject_claim(*, claim_id: int, user, reason: str, idempotency_key: str = "") -> LossClaim:
    def body(claim):
        engine.transition(claim, "reject", user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("reject", claim_id, user, idempotency_key, body)


def pay_claim(*, claim_id: int, user, reason: str = "", idempotency_key: str = "") -> LossClaim:
    def body(claim):
        engine.transition(claim, "pay", user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("pay", claim_id, user, idempotency_key, body)
