"""A product's yearly capacity: the only code that changes `Product.capacity_used`.

Each change is one conditional UPDATE with F() arithmetic, so concurrent takers cannot overshoot: the row
lock PostgreSQL takes for the UPDATE makes the second taker re-check the condition against the first's
result. The database's check constraint (0 <= used <= yearly capacity) stays the last line of defence.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F

from config.api.domain_errors import Conflict

from ..models import Product


class CapacityError(Conflict, ValueError):
    """The change would take the product's used capacity below zero or above its yearly capacity."""

    code = "no_capacity"


def _check_amount(amount: Decimal) -> None:
    if amount <= 0:
        raise CapacityError(f"A capacity change must be a positive amount, not {amount}.")


def take_capacity(*, product_id: int, amount: Decimal) -> None:
    """Take `amount` yuan of the product's capacity, or raise CapacityError if less than that is left."""
    _check_amount(amount)
    taken = Product.objects.filter(pk=product_id, capacity_used__lte=F("yearly_capacity") - amount).update(
        capacity_used=F("capacity_used") + amount
    )
    if not taken:
        raise CapacityError(f"Product {product_id} has less than {amount} of capacity left.")


def release_capacity(*, product_id: int, amount: Decimal) -> None:
    """Give back `amount` yuan taken earlier, or raise CapacityError if that is more than is in use."""
    _check_amount(amount)
    released = Product.objects.filter(pk=product_id, capacity_used__gte=amount).update(
        capacity_used=F("capacity_used") - amount
    )
    if not released:
        raise CapacityError(f"Product {product_id} has less than {amount} of capacity in use.")
