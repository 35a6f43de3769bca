"""Amounts as the services take them: yuan, two decimal places, checked, with the field named."""

from decimal import Decimal, InvalidOperation

from ..errors import ValidationFailed

TWO_PLACES = Decimal("0.01")


def as_money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(TWO_PLACES)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed("Invalid amount.", fields={field: ["Enter a number."]}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed("Invalid amount.", fields={field: ["Must be greater than zero."]})
    return amount
