"""The raw values innovation-credit indicators score, computed from one enterprise's data for one year.

Pure: the inputs are plain values, so a stored breakdown can be recomputed and checked without the
database. `None` means "no data" (a ratio over zero, a growth rate without the year before); an
indicator scores no points for it and its breakdown line says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .choices import Metric

RECENT_YEARS = 5
# The tech-SME rule (2017) scores 30% of total costs like 6% of revenue: a factor of five.
COSTS_TO_REVENUE_INTENSITY = Decimal(5)
RATIO_PLACES = Decimal("0.0001")

Value = Decimal | bool | str | None


@dataclass(frozen=True)
class YearFigures:
    revenue: Decimal
    total_costs: Decimal
    rnd_expense: Decimal
    staff: int
    st_staff: int
    class_i_ip: int
    class_ii_ip: int
    tech_contract_turnover: Decimal
    vc_received: Decimal


@dataclass(frozen=True)
class MetricInput:
    year: int
    figures: YearFigures
    previous: YearFigures | None
    high_tech_certificate_no: str
    high_tech_valid_until: date | None
    tech_sme_registration_no: str
    specialised_status: str
    national_award_year: int | None
    provincial_rnd_institution: bool
    led_standard_year: int | None
    hard_tech_field: bool


def _ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES)


def _growth(current, previous) -> Decimal | None:
    if previous is None or not previous:
        return None
    return (Decimal(current) / Decimal(previous) - 1).quantize(RATIO_PLACES)


def _recent(year: int | None, fiscal_year: int) -> bool:
    return year is not None and 0 <= fiscal_year - year < RECENT_YEARS


def rnd_intensity(figures: YearFigures) -> Decimal | None:
    """R&D over revenue; for an enterprise without revenue, R&D over total costs divided by five."""
    if figures.revenue:
        return _ratio(figures.rnd_expense, figures.revenue)
    share_of_costs = _ratio(figures.rnd_expense, figures.total_costs)
    if share_of_costs is None:
        return None
    return (share_of_costs / COSTS_TO_REVENUE_INTENSITY).quantize(RATIO_PLACES)


def compute_metrics(data: MetricInput) -> dict[str, Value]:
    f, p = data.figures, data.previous
    certificate_valid = bool(data.high_tech_certificate_no) and (
        data.high_tech_valid_until is None or data.high_tech_valid_until >= date(data.year, 12, 31)
    )
    return {
        Metric.RND_EXPENSE: Decimal(f.rnd_expense),
        Metric.RND_INTENSITY: rnd_intensity(f),
        Metric.ST_STAFF: Decimal(f.st_staff),
        Metric.ST_STAFF_SHARE: _ratio(f.st_staff, f.staff),
        Metric.CLASS_I_IP: Decimal(f.class_i_ip),
        Metric.CLASS_II_IP: Decimal(f.class_ii_ip),
        Metric.TECH_CONTRACT_TURNOVER: Decimal(f.tech_contract_turnover),
        Metric.LED_STANDARD_RECENT: _recent(data.led_standard_year, data.year),
        Metric.REVENUE: Decimal(f.revenue),
        Metric.REVENUE_GROWTH: _growth(f.revenue, p.revenue if p else None),
        Metric.RND_GROWTH: _growth(f.rnd_expense, p.rnd_expense if p else None),
        Metric.STAFF_GROWTH: _growth(f.staff, p.staff if p else None),
        Metric.VC_RECEIVED: Decimal(f.vc_received),
        Metric.HIGH_TECH_VALID: certificate_valid,
        Metric.TECH_SME_REGISTERED: bool(data.tech_sme_registration_no),
        Metric.SPECIALISED_STATUS: data.specialised_status or "none",
        Metric.NATIONAL_AWARD_RECENT: _recent(data.national_award_year, data.year),
        Metric.PROVINCIAL_RND_INSTITUTION: bool(data.provincial_rnd_institution),
        Metric.HARD_TECH_FIELD: bool(data.hard_tech_field),
    }
