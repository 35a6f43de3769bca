"""An offer stays inside the ranges of the product it was referred under (issue 13): its amount, term,
annual rate and (equity) stake. Bounds are inclusive; a bound the product leaves blank does not apply,
and a figure the offer leaves out is not checked."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from lenders.models import Product

from ..matching.scoring import yuan

Errors = dict[str, list[str]]


def _percent(fraction: Decimal) -> str:
    return f"{fraction * 100:.2f}%"


def _outside(value, low, high) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def _range_words(low: str | None, high: str | None) -> str:
    if low is not None and high is not None:
        return gettext("from %(low)s to %(high)s") % {"low": low, "high": high}
    if low is not None:
        return gettext("at least %(low)s") % {"low": low}
    return gettext("at most %(high)s") % {"high": high}


def _refusal(what: str, low: str | None, high: str | None) -> list[str]:
    return [
        gettext("Outside the product's range: the %(what)s must be %(range)s.")
        % {"what": what, "range": _range_words(low, high)}
    ]


def stake_of(terms: dict) -> Decimal | None:
    """The equity stake in an offer's terms, a fraction ("0.125" for 12.5%); None when not given."""
    value = terms.get("stake")
    if value in (None, ""):
        return None
    try:
        stake = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(value) from None
    if not stake.is_finite():
        raise ValueError(value)
    return stake


def outside_product_ranges(
    product: Product,
    *,
    amount: Decimal,
    term_months: int | None,
    annual_rate: Decimal | None,
    terms: dict,
) -> Errors:
    """The offer's figures that fall outside the product's ranges, by the field that carries them."""
    errors: Errors = {}
    if _outside(amount, product.min_amount, product.max_amount):
        errors["amount"] = _refusal(gettext("amount"), yuan(product.min_amount), yuan(product.max_amount))
    if term_months is not None and _outside(term_months, product.min_term_months, product.max_term_months):
        errors["term_months"] = _refusal(
            gettext("term in months"), str(product.min_term_months), str(product.max_term_months)
        )
    if annual_rate is not None and _outside(Decimal(str(annual_rate)), product.rate_min, product.rate_max):
        errors["annual_rate"] = _refusal(
            gettext("annual rate"),
            _percent(product.rate_min) if product.rate_min is not None else None,
            _percent(product.rate_max) if product.rate_max is not None else None,
        )
    try:
        stake = stake_of(terms)
    except ValueError:
        errors["terms.stake"] = [gettext("A stake as a fraction, from 0 to 1 (0.125 means 12.5 per cent).")]
    else:
        if stake is not None and _outside(stake, product.stake_min, product.stake_max):
            errors["terms.stake"] = _refusal(
                gettext("stake"),
                _percent(product.stake_min) if product.stake_min is not None else None,
                _percent(product.stake_max) if product.stake_max is not None else None,
            )
    return errors
