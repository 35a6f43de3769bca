"""Indicator values from the parts, and the one entry point: `evaluate(scope, period, filters)`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .collect import collect, registered_tech_smes_q
from .definitions import INDICATORS, Indicator
from .parts import Parts, total
from .scope import Filters, Period, Scope
from .snapshots import snapshot_parts, snapshot_tech_smes

FOUR_PLACES = Decimal("0.0001")
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Value:
    indicator: Indicator
    value: Decimal | int | None
    previous: Decimal | int | None
    # The 90th percentile beside a median (None elsewhere).
    p90: int | None = None
    previous_p90: int | None = None

    @property
    def code(self) -> str:
        return self.indicator.code


@dataclass(frozen=True)
class Evaluation:
    scope: Scope
    period: Period
    filters: Filters
    parts: dict[int, Parts]
    previous_parts: dict[int, Parts]
    values: list[Value]
    from_snapshots: bool
    # The scope's totals over its regions, now and in the previous period.
    current: Parts
    previous: Parts


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(FOUR_PLACES, ROUND_HALF_UP)


def percentile(histogram: Counter[int], fraction: Decimal) -> Decimal | None:
    """The median (fraction ½, the mean of the two middle values when their number is even) or another
    percentile by nearest rank."""
    count = sum(histogram.values())
    if not count:
        return None
    values = sorted(histogram.elements())
    if fraction == Decimal("0.5"):
        middle = count // 2
        median = Decimal(values[middle]) if count % 2 else Decimal(values[middle - 1] + values[middle]) / 2
        return median.quantize(ONE_PLACE, ROUND_HALF_UP)
    rank = max(int((fraction * count).to_integral_value(rounding="ROUND_CEILING")), 1)
    return Decimal(values[rank - 1])


def registered_tech_smes(scope: Scope, filters: Filters, until: date) -> int:
    return (
        registered_tech_smes_q(until).filter(scope.region_q("region__code"), filters.enterprise_q("")).count()
    )


def figures(parts: Parts, tech_smes: int) -> dict[str, Decimal | int | None]:
    """Each contract code's value from one set of parts."""
    return {
        "requests_submitted": parts.submitted,
        "funded_amount": parts.funded_amount,
        "funded_enterprises": len(parts.funded_enterprises),
        "invest_early_share": share(parts.early_amount, parts.funded_amount),
        "invest_small_share": share(parts.small_amount, parts.funded_amount),
        "invest_long_share": share(parts.long_amount, parts.funded_amount),
        "hard_tech_share": share(parts.hard_tech_amount, parts.funded_amount),
        "first_loan_share": share(parts.first_loans, parts.loans),
        "credit_loan_share": share(parts.credit_loan_amount, parts.loan_amount),
        "avg_rate": share(parts.rate_times_amount, parts.rated_loan_amount),
        "median_days_to_first_offer": percentile(parts.days_to_first_offer, Decimal("0.5")),
        "median_days_to_funding": percentile(parts.days_to_funding, Decimal("0.5")),
        "response_within_deadline_share": share(parts.answered_in_time, parts.answered),
        "offer_rate": share(parts.offered, parts.answered),
        "tech_sme_loan_share": share(len(parts.tech_smes_with_loan), tech_smes),
    }


P90 = {
    "median_days_to_first_offer": "days_to_first_offer",
    "median_days_to_funding": "days_to_funding",
}


def _p90(parts: Parts, code: str) -> int | None:
    if code not in P90:
        return None
    value = percentile(getattr(parts, P90[code]), Decimal("0.9"))
    return None if value is None else int(value)


def parts_by_region(scope: Scope, period: Period, filters: Filters) -> tuple[dict[int, Parts], int, bool]:
    """Per region, with the scope's registered tech SMEs: from the monthly snapshots for a large scope over
    whole months that all have them, else live."""
    months = period.months()
    if scope.large and not filters.any and months:
        snapshots = snapshot_parts(scope, months)
        tech_smes = snapshot_tech_smes(scope, months)
        if snapshots is not None and tech_smes is not None:
            return snapshots, tech_smes, True
    return collect(period, scope, filters), registered_tech_smes(scope, filters, period.end), False


def evaluate(scope: Scope, period: Period, filters: Filters | None = None) -> Evaluation:
    filters = filters or Filters()
    previous_period = period.previous()
    parts, tech_smes, from_snapshots = parts_by_region(scope, period, filters)
    previous_parts, previous_tech_smes, _ = parts_by_region(scope, previous_period, filters)
    now, before = total(parts.values()), total(previous_parts.values())
    current = figures(now, tech_smes)
    earlier = figures(before, previous_tech_smes)
    values = [
        Value(
            indicator,
            current[indicator.code],
            earlier[indicator.code],
            _p90(now, indicator.code),
            _p90(before, indicator.code),
        )
        for indicator in INDICATORS
    ]
    return Evaluation(scope, period, filters, parts, previous_parts, values, from_snapshots, now, before)
