"""The institution's record as the score reads it: its offer rate in the enterprise's fields and its
response time over the last twelve months. The institution's performance page shows the same figures and
points (selectors/institution_performance.py)."""

from django.utils.translation import gettext

from .context import InstitutionRecord
from .fit import clamp

MIN_DECIDED_FOR_RATE = 3
FAST_RESPONSE_DAYS, SLOW_RESPONSE_DAYS = 2.0, 10.0


def offer_rate_of(record: InstitutionRecord) -> float | None:
    """Offers over referrals decided in the field; None with too few decided to judge."""
    if record.decided_in_field < MIN_DECIDED_FOR_RATE:
        return None
    return record.offered_in_field / record.decided_in_field


def offer_rate_fraction(record: InstitutionRecord) -> float:
    """The offer-rate factor's share of its weight: the rate, or average (0.5) when it cannot be judged."""
    rate = offer_rate_of(record)
    return 0.5 if rate is None else rate


def response_time_fraction(days: float | None) -> float:
    """The response-time factor's share of its weight: full within FAST_RESPONSE_DAYS, none after
    SLOW_RESPONSE_DAYS, average (0.5) without a response on record."""
    if days is None:
        return 0.5
    return clamp((SLOW_RESPONSE_DAYS - days) / (SLOW_RESPONSE_DAYS - FAST_RESPONSE_DAYS))


def offer_rate(product, tranche, ctx, facts):
    record = facts.record
    rate = offer_rate_of(record)
    if rate is None:
        return (
            offer_rate_fraction(record),
            None,
            lambda: (
                gettext(
                    "%(institution)s decided %(decided)s referrals in this field in the last 12 months, "
                    "too few to judge: counted as average."
                )
                % {"institution": product.institution, "decided": record.decided_in_field}
            ),
        )
    return (
        offer_rate_fraction(record),
        round(rate, 3),
        lambda: (
            gettext(
                "%(institution)s made an offer on %(offered)s of the %(decided)s referrals it decided in "
                "this field in the last 12 months."
            )
            % {
                "institution": product.institution,
                "offered": record.offered_in_field,
                "decided": record.decided_in_field,
            }
        ),
    )


def response_time(product, tranche, ctx, facts):
    days = facts.record.avg_response_days
    fraction = response_time_fraction(days)
    if days is None:
        return (
            fraction,
            None,
            lambda: (
                gettext("%(institution)s has no response on record yet: counted as average.")
                % {"institution": product.institution}
            ),
        )
    return (
        fraction,
        round(days, 1),
        lambda: (
            gettext(
                "%(institution)s takes %(days)s days on average to act on a referral "
                "(full points within %(fast)s, none after %(slow)s)."
            )
            % {
                "institution": product.institution,
                "days": f"{days:.1f}",
                "fast": f"{FAST_RESPONSE_DAYS:.0f}",
                "slow": f"{SLOW_RESPONSE_DAYS:.0f}",
            }
        ),
    )
