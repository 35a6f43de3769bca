"""An enterprise's yearly financials (DESIGN §1, §5): its managers add and correct one fiscal year's figures,
and the innovation credit follows. Who may act is onboarding's rule (services/enterprise_onboarding.py).

Each use case is one transaction; arguments are keywords.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.credits.services import compute_all_versions
from projects.models import Enterprise, EnterpriseFinancials

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..workflow.rules import current_scope
from .enterprise_onboarding import AnyUser, refuse_coordinator, signed_in

TWO_PLACES = Decimal("0.01")
# The earliest fiscal year the service takes figures for (the People's Republic's founding).
EARLIEST_YEAR = 1949


@dataclass(frozen=True, kw_only=True)
class YearFigures:
    """One fiscal year's figures as the caller gives them (yuan, people, counts)."""

    revenue: Any
    total_assets: Any
    total_costs: Any
    rnd_expense: Any
    staff: Any
    st_staff: Any
    invention_patents: Any = 0
    other_class_i_ip: Any = 0
    class_ii_ip: Any = 0
    tech_contract_turnover: Any = Decimal("0")
    vc_received: Any = Decimal("0")


MONEY_FIELDS = (
    "revenue",
    "total_assets",
    "total_costs",
    "rnd_expense",
    "tech_contract_turnover",
    "vc_received",
)
COUNT_FIELDS = ("staff", "st_staff", "invention_patents", "other_class_i_ip", "class_ii_ip")


def _managed_enterprise(user: AnyUser, enterprise_id: int) -> Enterprise:
    """The enterprise, locked, when `user` manages it; not found when they are not even a member."""
    account = signed_in(user)
    enterprise = Enterprise.objects.select_for_update(of=("self",)).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound()
    if not enterprise.managers.filter(pk=account.pk).exists():
        if enterprise.members.filter(pk=account.pk).exists() or current_scope(account) is not None:
            raise PermissionDenied(
                _("Only the enterprise's managers keep its yearly financials."), code="not_manager"
            )
        raise NotFound()
    refuse_coordinator(account, _("Coordinators do not act for an enterprise."))
    return enterprise


def _checked_figures(enterprise: Enterprise, year: Any, figures: YearFigures) -> tuple[int, dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    earliest = max(EARLIEST_YEAR, enterprise.founded_on.year)
    if not isinstance(year, int) or isinstance(year, bool) or not earliest <= year <= today.year:
        errors["year"] = [
            str(
                _("Must be a fiscal year from %(first)s to %(last)s.")
                % {"first": earliest, "last": today.year}
            )
        ]
    values: dict[str, Any] = {}
    for name in MONEY_FIELDS:
        raw = getattr(figures, name)
        try:
            amount = Decimal(str(raw)).quantize(TWO_PLACES)
        except (InvalidOperation, ValueError, TypeError):
            errors[name] = [str(_("Enter an amount in yuan."))]
            continue
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e16"):
            errors[name] = [str(_("Must be zero or more (yuan)."))]
            continue
        values[name] = amount
    for name in COUNT_FIELDS:
        count = getattr(figures, name)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 2_000_000_000:
            errors[name] = [str(_("Must be a whole number, zero or more."))]
            continue
        values[name] = count
    if "staff" in values and "st_staff" in values and values["st_staff"] > values["staff"]:
        errors["st_staff"] = [str(_("S&T staff cannot exceed all staff."))]
    if errors:
        raise ValidationFailed(_("The yearly figures are not valid."), fields=errors)
    return year, values


def add_financials(
    *, user: AnyUser, enterprise_id: int, year: int, figures: YearFigures
) -> EnterpriseFinancials:
    """A manager adds one fiscal year's figures; a year already there is a conflict (update it instead).
    The enterprise's innovation credit for that year (and the next, whose growth it changes) is recomputed."""
    with transaction.atomic():
        enterprise = _managed_enterprise(user, enterprise_id)
        year, values = _checked_figures(enterprise, year, figures)
        if EnterpriseFinancials.objects.filter(enterprise=enterprise, year=year).exists():
            raise Conflict(
                _("Figures for %(year)s are already there: update them instead.") % {"year": year},
                code="year_exists",
            )
        row = EnterpriseFinancials(enterprise=enterprise, year=year, **values)
        row._history_user = user  # type: ignore[attr-defined]
        row.save()
        _rescore(enterprise, year)
    return row


def update_financials(
    *, user: AnyUser, enterprise_id: int, year: int, figures: YearFigures
) -> EnterpriseFinancials:
    """A manager corrects one fiscal year's figures; the innovation credit follows as for `add_financials`."""
    with transaction.atomic():
        enterprise = _managed_enterprise(user, enterprise_id)
        row = (
            EnterpriseFinancials.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
        )
        if row is None:
            raise NotFound(_("No figures for this year yet: add them first."))
        year, values = _checked_figures(enterprise, year, figures)
        for name, value in values.items():
            setattr(row, name, value)
        row._history_user = user  # type: ignore[attr-defined]
        row.save()
        _rescore(enterprise, year)
    return row


def _rescore(enterprise: Enterprise, year: int) -> None:
    """Score the changed year and the one after it under every published model version: a product's or a
    programme's minimum may name any of them (DESIGN §5)."""
    years = EnterpriseFinancials.objects.filter(enterprise=enterprise, year__in=[year, year + 1]).values_list(
        "year", flat=True
    )
    for scored_year in sorted(years):
        compute_all_versions(year=scored_year, enterprise_ids=[enterprise.pk])


__all__ = [
    "YearFigures",
    "add_financials",
    "update_financials",
]
