"""Money as the pages show it (DESIGN §2, §9): yuan in 万元 with separators; rates as percentages."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

TEN_THOUSAND = Decimal(10000)
FEN = Decimal("0.01")


@register.filter
def wan(amount) -> str:
    """Yuan as 万元 with separators and two decimals: 12345600 -> "1,234.56 万元"; "—" for nothing."""
    if amount is None or amount == "":
        return "—"
    try:
        value = Decimal(str(amount)) / TEN_THOUSAND
    except (InvalidOperation, ValueError):
        return "—"
    return f"{value.quantize(FEN, rounding=ROUND_HALF_UP):,} 万元"


@register.filter
def percent(fraction) -> str:
    """A rate stored as a fraction, as people read it: 0.0345 -> "3.45%"; "—" for nothing."""
    if fraction is None or fraction == "":
        return "—"
    try:
        value = Decimal(str(fraction)) * 100
    except (InvalidOperation, ValueError):
        return "—"
    return f"{value.quantize(FEN, rounding=ROUND_HALF_UP)}%"
