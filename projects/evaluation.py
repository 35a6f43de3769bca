"""Applies the pure domain rules to stored enterprises and their yearly financials."""

from datetime import date

from .domain.size_class import SizeClass, classify_size
from .domain.tech_sme import TechSmeEvaluation, TechSmeInput, evaluate_tech_sme
from .models import Enterprise, EnterpriseFinancials

# Awards and standards count for direct qualification when no older than this many years.
RECENT_YEARS = 5


def _recent(year: int | None, fiscal_year: int) -> bool:
    return year is not None and fiscal_year - year < RECENT_YEARS


def tech_sme_input(enterprise: Enterprise, financials: EnterpriseFinancials) -> TechSmeInput:
    certificate_valid = bool(enterprise.high_tech_certificate_no) and (
        enterprise.high_tech_valid_until is None
        or enterprise.high_tech_valid_until >= date(financials.year, 12, 31)
    )
    return TechSmeInput(
        employees=financials.staff,
        revenue=financials.revenue,
        total_assets=financials.total_assets,
        total_costs=financials.total_costs,
        rnd_expense=financials.rnd_expense,
        st_staff=financials.st_staff,
        class_i_ip=financials.class_i_ip,
        class_ii_ip=financials.class_ii_ip,
        registered_in_mainland=enterprise.registered_in_mainland,
        serious_dishonesty=enterprise.serious_dishonesty,
        high_tech_certificate_valid=certificate_valid,
        national_award_recent=_recent(enterprise.national_award_year, financials.year),
        provincial_rnd_institution=enterprise.provincial_rnd_institution,
        led_standard_recent=_recent(enterprise.led_standard_year, financials.year),
    )


def evaluate_year(financials: EnterpriseFinancials) -> TechSmeEvaluation:
    return evaluate_tech_sme(tech_sme_input(financials.enterprise, financials))


def size_class_for_year(financials: EnterpriseFinancials) -> SizeClass:
    return classify_size(
        industry=financials.enterprise.industry, employees=financials.staff, revenue=financials.revenue
    )


def latest_financials(enterprise: Enterprise) -> EnterpriseFinancials | None:
    # Uses a prefetched `financials` set when there is one, so lists stay at a fixed query count.
    rows = sorted(enterprise.financials.all(), key=lambda row: row.year, reverse=True)
    return rows[0] if rows else None
