"""What a disbursement may record: bounded by the accepted offer it pays out."""

from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..errors import ValidationFailed
from ..models import Offer, Tranche, TransitionEvent
from ..workflow.business_days import SHANGHAI


def accepted_on(offer: Offer) -> date:
    """The day (Asia/Shanghai) the applicant accepted the offer."""
    event = (
        TransitionEvent.objects.filter(object_type="offer", object_id=offer.pk, action="accept")
        .order_by("created_at")
        .first()
    )
    return timezone.localtime(event.created_at if event else offer.created_at, SHANGHAI).date()


def checked_funding(tranche: Tranche, amount: Decimal | None, funded_on: date | None) -> tuple[Decimal, date]:
    """The amount and day to record, defaulting to the offer's amount and today (Asia/Shanghai): at most
    what was offered (the caller has parsed the amount as a positive sum); not before the acceptance, not in
    the future."""
    offer = tranche.accepted_offer
    assert offer is not None, "funding is recorded only on a tranche with an accepted offer"
    amount = offer.amount if amount is None else amount
    today = timezone.localdate(timezone=SHANGHAI)
    funded_on = today if funded_on is None else funded_on
    errors: dict[str, list[str]] = {}
    if amount > offer.amount:
        errors["amount"] = [
            str(_("At most the accepted offer's amount, %(amount)s yuan.") % {"amount": offer.amount})
        ]
    if funded_on > today:
        errors["funded_on"] = [
            str(_("Must not be in the future (today is %(today)s, Asia/Shanghai).") % {"today": today})
        ]
    elif funded_on < (accepted := accepted_on(offer)):
        errors["funded_on"] = [
            str(_("Must not be before the offer was accepted, %(day)s.") % {"day": accepted})
        ]
    if errors:
        raise ValidationFailed(str(_("The funding is not valid.")), fields=errors)
    return amount, funded_on
