"""Sci-tech innovation and technological transformation re-lending, as dated rows (DESIGN.md §6).

The row in force on a day is the latest with `effective_from` on or before it, so earlier rows stay
as history. The central bank refinances `refinance_share` of a qualifying loan's principal at `rate`
(a fraction: 0.0125 is 1.25% a year) within `quota` yuan.
"""

from datetime import date
from decimal import Decimal
from typing import NamedTuple


class RelendingRow(NamedTuple):
    effective_from: date
    quota: Decimal
    refinance_share: Decimal
    rate: Decimal
    note: str


_RATE_NOTE = "利率仅供参考 (rate indicative; check the PBoC's current rate)"

RELENDING_POLICIES: tuple[RelendingRow, ...] = (
    RelendingRow(
        date(2024, 4, 7),
        Decimal("500000000000"),
        Decimal("0.6000"),
        Decimal("0.0175"),
        f"科技创新和技术改造再贷款设立，额度 5000 亿元。{_RATE_NOTE}",
    ),
    RelendingRow(
        date(2025, 5, 7),
        Decimal("800000000000"),
        Decimal("0.6000"),
        Decimal("0.0175"),
        f"额度增至 8000 亿元。{_RATE_NOTE}",
    ),
    RelendingRow(
        date(2026, 1, 15),
        Decimal("1200000000000"),
        Decimal("0.6000"),
        Decimal("0.0175"),
        f"额度增至 1.2 万亿元 (day of month indicative)。{_RATE_NOTE}",
    ),
    RelendingRow(
        date(2026, 1, 19),
        Decimal("1200000000000"),
        Decimal("0.6000"),
        Decimal("0.0125"),
        f"利率下调至 1.25%。{_RATE_NOTE}",
    ),
)
