"""Numbers written in ASCII digits only.

Python's Decimal() also reads full-width "３", Arabic-Indic "٣" and "1_000": what a person typed by
mistake, or what a form library mangled, would become a different amount than the one on paper.
"""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

ASCII_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
ASCII_DECIMAL_MESSAGE = _("A valid number is required, in ASCII digits (such as 3000000 or 3000000.50).")


def is_ascii_decimal(value) -> bool:
    """JSON numbers arrive as int or float (ASCII by the JSON grammar); text must be plain digits."""
    return not isinstance(value, str) or ASCII_DECIMAL.fullmatch(value.strip()) is not None


class AsciiDecimalField(serializers.DecimalField):
    default_error_messages = {"invalid": ASCII_DECIMAL_MESSAGE}

    def to_internal_value(self, data):
        if not is_ascii_decimal(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class MoneyField(AsciiDecimalField):
    """An amount in yuan, with fen: what every serializer that takes an amount uses."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("max_value", Decimal("1e15"))
        kwargs.setdefault("help_text", _("Yuan (CNY) as a decimal string with fen, such as 3000000.00."))
        super().__init__(**kwargs)


class AsciiDecimalFormField(forms.DecimalField):
    """The same rule for query parameters (django-filter's number filters)."""

    default_error_messages = {"invalid": ASCII_DECIMAL_MESSAGE}

    def to_python(self, value):
        if value not in self.empty_values and not is_ascii_decimal(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
