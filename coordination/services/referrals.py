"""Use cases of institutions (and applicants answering them) on a referral, and on offers."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..choices import DeclineReason, RequestStatus, label_of, lower_first
from ..errors import Conflict, ValidationFailed
from ..models import Offer, Referral
from ..workflow import engine
from .amounts import as_money
from .locking import lock_offer, lock_referral, with_idempotency
from .offer_ranges import outside_product_ranges
from .policy_support import attach_policy_support

MAX_OFFER_VALIDITY_DAYS = 180


def _act(action: str, object_type: str, object_id: int, user, key: str, locker, body):
    def run():
        obj = locker(object_id)
        if obj.request.status != RequestStatus.ROUTED and action not in {"expire"}:
            engine.authorise(obj, action, user)
            raise Conflict(
                gettext("The financing request is “%(status)s”, not routed.")
                % {"status": lower_first(label_of(RequestStatus, obj.request.status))},
                code="request_not_routed",
            )
        result = body(obj)
        return result if result is not None else obj

    model = Referral if object_type == "referral" else Offer
    return with_idempotency(
        user=user,
        key=key,
        action=action,
        object_type=object_type,
        object_id=object_id,
        run=run,
        replay=lambda: model.objects.get(pk=object_id),
    )


def open_referral(*, referral_id: int, user, idempotency_key: str = "") -> Referral:
    def body(referral):
        engine.transition(referral, "open", user=user, idempotency_key=idempotency_key)

    return _act("open", "referral", referral_id, user, idempotency_key, lock_referral, body)


def request_referral_info(*, referral_id: int, user, reason: str, idempotency_key: str = "") -> Referral:
    def body(referral):
        referral.info_request = reason.strip()
        engine.transition(referral, "request_info", user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("request_info", "referral", referral_id, user, idempotency_key, lock_referral, body)


def provide_referral_info(*, referral_id: int, user, note: str = "", idempotency_key: str = "") -> Referral:
    def body(referral):
        engine.transition(referral, "provide_info", user=user, reason=note, idempotency_key=idempotency_key)

    return _act("provide_info", "referral", referral_id, user, idempotency_key, lock_referral, body)


def decline_referral(
    *, referral_id: int, user, reason_code: str, note: str = "", idempotency_key: str = ""
) -> Referral:
    if reason_code not in DeclineReason.values:
        raise ValidationFailed(
            _("Unknown decline reason."),
            fields={
                "reason_code": [
                    gettext("Must be one of: %(codes)s.") % {"codes": ", ".join(DeclineReason.values)}
                ]
            },
        )

    def body(referral):
        referral.decline_reason, referral.decline_note = reason_code, note.strip()
        engine.transition(
            referral,
            "decline",
            user=user,
            reason=note or reason_code,
            idempotency_key=idempotency_key,
            data={"reason_code": reason_code},
        )

    return _act("decline", "referral", referral_id, user, idempotency_key, lock_referral, body)


def expire_referral(*, referral_id: int) -> Referral:
    def body(referral):
        engine.transition(referral, "expire", reason=gettext("The review deadline passed."))

    return _act("expire", "referral", referral_id, None, "", lock_referral, body)


def _decimal_or_none(value) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def make_offer(
    *,
    referral_id: int,
    user,
    amount,
    valid_until: date,
    annual_rate=None,
    term_months: int | None = None,
    terms: dict | None = None,
    idempotency_key: str = "",
) -> Offer:
    amount = as_money(amount, "amount")
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if not isinstance(valid_until, date) or valid_until < today:
        errors["valid_until"] = [gettext("Must be a date from today on.")]
    elif (valid_until - today).days > MAX_OFFER_VALIDITY_DAYS:
        errors["valid_until"] = [
            gettext("An offer may stay valid for at most %(days)s days.") % {"days": MAX_OFFER_VALIDITY_DAYS}
        ]
    rate = _decimal_or_none(annual_rate)
    if annual_rate is not None and (rate is None or not Decimal("0") <= rate < Decimal("1")):
        errors["annual_rate"] = [
            gettext("A yearly rate as a fraction, from 0 to below 1 (0.035 means 3.5 per cent).")
        ]
    if term_months is not None and not (isinstance(term_months, int) and 1 <= term_months <= 600):
        errors["term_months"] = [gettext("Must be a whole number of months from 1 to 600.")]
    if errors:
        raise ValidationFailed(_("The offer is not valid."), fields=errors)
    # A Decimal from here on, whatever the caller passed: the policy support reckons with it.
    annual_rate = rate

    def body(referral):
        engine.transition(
            referral,
            "offer",
            user=user,
            idempotency_key=idempotency_key,
            data={"amount": str(amount), "valid_until": str(valid_until)},
        )
        if amount > referral.tranche.amount:
            raise ValidationFailed(
                _("The offer exceeds the tranche."),
                fields={
                    "amount": [
                        gettext("At most the tranche's %(amount)s.") % {"amount": referral.tranche.amount}
                    ]
                },
            )
        outside = outside_product_ranges(
            referral.product,
            amount=amount,
            term_months=term_months,
            annual_rate=annual_rate,
            terms=terms or {},
        )
        if outside:
            raise ValidationFailed(_("The offer falls outside the product's ranges."), fields=outside)
        offer = Offer.objects.create(
            referral=referral,
            tranche=referral.tranche,
            request=referral.request,
            amount=amount,
            annual_rate=annual_rate,
            term_months=term_months,
            terms=terms or {},
            valid_until=valid_until,
            created_by=user,
        )
        offer.referral = referral
        attach_policy_support(offer)
        engine.record_creation(offer, "make", user=user, role="institution")
        return offer

    return _act("offer", "referral", referral_id, user, idempotency_key, lock_referral, body)


def withdraw_offer(*, offer_id: int, user, reason: str = "", idempotency_key: str = "") -> Offer:
    def body(offer):
        engine.transition(offer, "withdraw", user=user, reason=reason, idempotency_key=idempotency_key)

    return _act("withdraw", "offer", offer_id, user, idempotency_key, lock_offer, body)


def expire_offer(*, offer_id: int) -> Offer:
    def body(offer):
        engine.transition(offer, "expire", reason=gettext("The offer's validity passed."))

    return _act("expire", "offer", offer_id, None, "", lock_offer, body)


def accept_offer(*, offer_id: int, user, idempotency_key: str = "") -> Offer:
    """One accepted offer per tranche; the rest of the tranche is superseded; capacity is taken."""

    def body(offer):
        # The tranche, its capacity, its rivals and the package follow from the table's effects.
        engine.transition(offer, "accept", user=user, idempotency_key=idempotency_key)

    return _act("accept", "offer", offer_id, user, idempotency_key, lock_offer, body)
