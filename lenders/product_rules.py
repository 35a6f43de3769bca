"""What makes a product valid, each problem on the field a person would correct.

The database's check constraints on `Product` (lenders/models.py) are the last line of defence; a form or an
import asks here first, so that a refusal names the field and says why instead of failing on the constraint.
tests/lenders/test_product_rules.py proves each constraint has its rule here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Product

Problems = dict[str, list[str]]


def _out_of_order(low, high) -> bool:
    return low is not None and high is not None and low > high


def _range_problems(product: Product) -> Problems:
    problems: Problems = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if product.min_amount is not None and product.min_amount <= 0:
        add("min_amount", _("Must be more than zero."))
    if _out_of_order(product.min_amount, product.max_amount):
        add("max_amount", _("Must not be less than the minimum amount."))
    if product.min_term_months is not None and product.min_term_months <= 0:
        add("min_term_months", _("Must be at least one month."))
    if _out_of_order(product.min_term_months, product.max_term_months):
        add("max_term_months", _("Must not be less than the minimum term."))
    if _out_of_order(product.rate_min, product.rate_max):
        add("rate_max", _("Must not be less than the lowest rate."))
    if _out_of_order(product.stake_min, product.stake_max):
        add("stake_max", _("Must not be less than the smallest stake."))
    capacity, used = product.yearly_capacity, product.capacity_used
    if capacity is not None:
        if capacity <= 0:
            add("yearly_capacity", _("Must be more than zero."))
        elif used is not None and capacity < used:
            add(
                "yearly_capacity",
                _("Must not be less than the capacity already used (%(used)s yuan).")
                % {"used": f"{used:,.2f}"},
            )
    score = product.min_credit_score
    if score is not None and not 0 <= score <= 100:
        add("min_credit_score", _("Must be from 0 to 100."))
    if _out_of_order(product.active_from, product.active_until):
        add("active_until", _("Must not be before the start of the active window."))
    return problems


def product_problems(product: Product) -> Problems:
    """Every problem of the (unsaved or changed) product, by field name; empty when it may be saved.

    Its fields' own checks (required, digits, choices) and `Product.clean` (the instrument its institution
    offers) come first; then the ranges and limits the check constraints hold."""
    problems: Problems = {}
    try:
        # The institution is the caller's, never typed in: checking that it exists would cost a query a row.
        product.full_clean(exclude=["institution"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    for name, messages in _range_problems(product).items():
        if name not in problems:  # a field already refused (e.g. missing) is not compared as well
            problems[name] = messages
    return problems
