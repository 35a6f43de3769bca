"""The catalogue file's cells: how each column's text is read into a product's value and written back."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from import_export import widgets

from projects.credits.choices import TRIAL_2024

from ..choices import Instrument

CODE_SEPARATORS = re.compile(r"[,;，；、\s]+")
TRUE_WORDS = {"1", "yes", "y", "true", "是"}
FALSE_WORDS = {"0", "no", "n", "false", "否"}


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class IdWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number != number.to_integral_value() or number <= 0:
            raise ValueError(
                _("“%(value)s” is not a product id: leave it empty for a new product.") % {"value": value}
            )
        return int(number)


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


class CreditVersionWidget(widgets.Widget):
    """The model version of the minimum credit; an empty cell is the default version (a file written before
    versions were named states its minimums on it)."""

    def clean(self, value, row=None, **kwargs):
        return TRIAL_2024 if blank(value) else str(value).strip()


class InstrumentWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        code = "" if value is None else str(value).strip()
        if code not in Instrument.values:
            raise ValueError(
                _("“%(value)s” is not an instrument: use one of %(codes)s.")
                % {"value": code, "codes": ", ".join(Instrument.values)}
            )
        return code


class NumberWidget(widgets.Widget):
    """A decimal number (`places` digits kept), or None when the cell is empty."""

    def __init__(self, places: int | None = None, *, whole: bool = False):
        super().__init__()
        self.places = places
        self.whole = whole

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        text = str(value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
        if self.whole:
            if number != number.to_integral_value():
                raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
            return int(number)
        if self.places is not None:
            return number.quantize(Decimal(1).scaleb(-self.places))
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.Widget):
    def __init__(self, default: bool):
        super().__init__()
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return self.default
        word = str(int(value) if isinstance(value, (bool, float)) else value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("“%(value)s” is neither 1 (yes) nor 0 (no).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "1" if value else "0"


class DayWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.isoformat()


class CodesWidget(widgets.ManyToManyWidget):
    """Reference rows (fields, regions) by their codes; an unknown code is refused, never dropped.

    The reference tables are small: read once per import (each resource has its own copy of its widgets),
    not once per cell."""

    _by_code: dict[str, Any] | None = None

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return []
        if self._by_code is None:
            self._by_code = {item.code: item for item in self.model.objects.all()}
        text = str(int(value)) if isinstance(value, (int, float)) else str(value)
        codes = list(dict.fromkeys(code for code in CODE_SEPARATORS.split(text) if code))
        unknown = sorted(code for code in codes if code not in self._by_code)
        if unknown:
            raise ValueError(_("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)})
        return [self._by_code[code] for code in codes]

    def render(self, value, obj=None, **kwargs):
        return ",".join(sorted(row.code for row in value.all())) if value is not None else ""
