"""Evaluation figures as the pages read them, by unit: counts with separators, yuan in 万元, shares and
rates as percentages, business days with one decimal."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from .money import percent, wan

register = template.Library()


@register.filter
def figure(value, unit: str) -> str:
    if value is None or value == "":
        return "—"
    if unit == "count":
        return intcomma(value)
    if unit == "yuan":
        return wan(value)
    if unit in ("share", "rate"):
        return percent(value)
    if unit == "business_days":
        return _("%(days)s business days") % {"days": value}
    return str(value)


@register.filter
def with_units(row: list, table) -> list[tuple]:
    """The row's cells, each with its column's unit."""
    return list(zip(row, table.units, strict=True))
