"""Technology-based SME evaluation (科技型中小企业评价办法, 2017).

Band edges belong to the higher band, so every ratio is computed with exact rational arithmetic:
a float would put 30% of staff a hair below 0.30 and drop a point band.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext

MAX_EMPLOYEES = 500
MAX_REVENUE = Decimal("200000000")
MAX_TOTAL_ASSETS = Decimal("200000000")
PASS_SCORE = 60

# (lower bound inclusive, score), highest band first.
Bands = tuple[tuple[Fraction, int], ...]

STAFF_SHARE_BANDS: Bands = (
    (Fraction(30, 100), 20),
    (Fraction(25, 100), 16),
    (Fraction(20, 100), 12),
    (Fraction(15, 100), 8),
    (Fraction(10, 100), 4),
)
RND_REVENUE_BANDS: Bands = (
    (Fraction(6, 100), 50),
    (Fraction(5, 100), 40),
    (Fraction(4, 100), 30),
    (Fraction(3, 100), 20),
    (Fraction(2, 100), 10),
)
RND_COSTS_BANDS: Bands = (
    (Fraction(30, 100), 50),
    (Fraction(25, 100), 40),
    (Fraction(20, 100), 30),
    (Fraction(15, 100), 20),
    (Fraction(10, 100), 10),
)
CLASS_I_IP_SCORE = 30
# Class-II items score 6 each, capped at four items.
CLASS_II_IP_SCORE_PER_ITEM = 6
CLASS_II_IP_MAX_ITEMS = 4


@dataclass(frozen=True, kw_only=True)
class TechSmeInput:
    employees: int
    revenue: Decimal
    total_assets: Decimal
    total_costs: Decimal
    rnd_expense: Decimal
    st_staff: int
    class_i_ip: int
    class_ii_ip: int
    registered_in_mainland: bool = True
    serious_dishonesty: bool = False
    high_tech_certificate_valid: bool = False
    national_award_recent: bool = False
    provincial_rnd_institution: bool = False
    led_standard_recent: bool = False

    @property
    def staff_share(self) -> Fraction:
        if self.employees == 0:
            return Fraction(0)
        return Fraction(self.st_staff, self.employees)


@dataclass(frozen=True)
class TechSmeEvaluation:
    staff_score: int
    rnd_score: int
    rnd_basis: str
    ip_score: int
    total: int
    meets_basic_conditions: bool
    basic_condition_failures: tuple[str, ...]
    direct_qualification: tuple[str, ...]
    qualified: bool
    passed_by_score: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "staff_score": self.staff_score,
            "rnd_score": self.rnd_score,
            "rnd_basis": self.rnd_basis,
            "ip_score": self.ip_score,
            "total": self.total,
            "meets_basic_conditions": self.meets_basic_conditions,
            "basic_condition_failures": list(self.basic_condition_failures),
            "direct_qualification": list(self.direct_qualification),
            "qualified": self.qualified,
            "passed_by_score": self.passed_by_score,
        }


def band_score(share: Fraction, bands: Bands) -> int:
    for lower_bound, score in bands:
        if share >= lower_bound:
            return score
    return 0


def _ratio(numerator: Decimal, denominator: Decimal) -> Fraction:
    # Fraction(Decimal) is exact; a missing denominator means the route cannot score.
    if denominator <= 0:
        return Fraction(0)
    return Fraction(numerator) / Fraction(denominator)


def staff_score(data: TechSmeInput) -> int:
    return band_score(data.staff_share, STAFF_SHARE_BANDS)


def rnd_score(data: TechSmeInput) -> tuple[int, str]:
    """The enterprise scores on whichever R&D route is better; ties report revenue."""
    by_revenue = band_score(_ratio(data.rnd_expense, data.revenue), RND_REVENUE_BANDS)
    by_costs = band_score(_ratio(data.rnd_expense, data.total_costs), RND_COSTS_BANDS)
    if by_costs > by_revenue:
        return by_costs, "costs"
    return by_revenue, "revenue"


def ip_score(data: TechSmeInput) -> int:
    if data.class_i_ip > 0:
        return CLASS_I_IP_SCORE
    return CLASS_II_IP_SCORE_PER_ITEM * min(max(data.class_ii_ip, 0), CLASS_II_IP_MAX_ITEMS)


def basic_condition_failures(data: TechSmeInput) -> tuple[str, ...]:
    failures: list[str] = []
    if data.employees > MAX_EMPLOYEES:
        failures.append(
            gettext("more than %(limit)s employees (%(value)s)")
            % {"limit": MAX_EMPLOYEES, "value": data.employees}
        )
    if data.revenue > MAX_REVENUE:
        failures.append(
            gettext("annual revenue above %(limit)s yuan (%(value)s)")
            % {"limit": f"{MAX_REVENUE:,}", "value": f"{data.revenue:,}"}
        )
    if data.total_assets > MAX_TOTAL_ASSETS:
        failures.append(
            gettext("total assets above %(limit)s yuan (%(value)s)")
            % {"limit": f"{MAX_TOTAL_ASSETS:,}", "value": f"{data.total_assets:,}"}
        )
    if not data.registered_in_mainland:
        failures.append(gettext("not registered in mainland China"))
    if data.serious_dishonesty:
        failures.append(gettext("serious dishonesty on record"))
    return tuple(failures)


def direct_qualification_grounds(data: TechSmeInput) -> tuple[str, ...]:
    grounds = (
        ("high_tech_certificate", data.high_tech_certificate_valid),
        ("national_award", data.national_award_recent),
        ("provincial_rnd_institution", data.provincial_rnd_institution),
        ("led_standard", data.led_standard_recent),
    )
    return tuple(code for code, applies in grounds if applies)


def evaluate_tech_sme(data: TechSmeInput) -> TechSmeEvaluation:
    staff = staff_score(data)
    rnd, rnd_basis = rnd_score(data)
    ip = ip_score(data)
    total = staff + rnd + ip
    failures = basic_condition_failures(data)
    meets_basic = not failures
    grounds = direct_qualification_grounds(data)
    # A zero staff score disqualifies on its own, whatever the other indicators add up to.
    passed_by_score = meets_basic and total >= PASS_SCORE and staff > 0
    return TechSmeEvaluation(
        staff_score=staff,
        rnd_score=rnd,
        rnd_basis=rnd_basis,
        ip_score=ip,
        total=total,
        meets_basic_conditions=meets_basic,
        basic_condition_failures=failures,
        direct_qualification=grounds,
        qualified=passed_by_score or (meets_basic and bool(grounds)),
        passed_by_score=passed_by_score,
    )
