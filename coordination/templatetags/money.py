"""Money and rates as the pages show them: yuan in 万元 with separators, fractions as percentages."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import pgettext

register = template.Library()

TEN_THOUSAND = Decimal(10000)
TWO_PLACES = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def wan_number(value) -> str:
    """Yuan as 万元, two places with thousands separators: 12345600 → "1,234.56"; "" when not a number."""
    number = _decimal(value)
    if number is None:
        return ""
    return f"{(number / TEN_THOUSAND).quantize(TWO_PLACES):,}"


@register.filter
def wan(value) -> str:
    """Yuan as 万元: 12345600 → "1,234.56 万元"; "—" when not a number."""
    number = wan_number(value)
    if not number:
        return "—"
    return pgettext("money in ten-thousands of yuan", "%(amount)s 万元") % {"amount": number}


@register.filter
def yuan(value) -> str:
    """Yuan with separators: 3000000 → "3,000,000.00 元"."""
    number = _decimal(value)
    if number is None:
        return "—"
    return pgettext("money in yuan", "%(amount)s 元") % {"amount": f"{number.quantize(TWO_PLACES):,}"}


@register.filter
def percent(value) -> str:
    """A fraction as a percentage: 0.0345 → "3.45%"; "—" when empty."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{(number * 100).quantize(TWO_PLACES)}%"


@register.simple_tag
def wan_pattern() -> str:
    """The 万元 pattern with "%(amount)s" left in, for the pages' scripts to fill in as figures change."""
    return pgettext("money in ten-thousands of yuan", "%(amount)s 万元")
