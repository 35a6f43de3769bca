"""The additive parts behind every figure: counts, sums, histograms of business days and sets of ids.
Parts of different regions or months add up exactly; ratios and medians are taken only at the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")


@dataclass
class Parts:
    submitted: int = 0
    funded_amount: Decimal = ZERO
    early_amount: Decimal = ZERO
    small_amount: Decimal = ZERO
    long_amount: Decimal = ZERO
    hard_tech_amount: Decimal = ZERO
    funded_enterprises: set[int] = field(default_factory=set)
    loans: int = 0
    first_loans: int = 0
    loan_amount: Decimal = ZERO
    credit_loan_amount: Decimal = ZERO
    rated_loan_amount: Decimal = ZERO
    rate_times_amount: Decimal = ZERO
    days_to_first_offer: Counter[int] = field(default_factory=Counter)
    days_to_funding: Counter[int] = field(default_factory=Counter)
    answered: int = 0
    answered_in_time: int = 0
    offered: int = 0
    tech_smes_with_loan: set[int] = field(default_factory=set)
    funnel: Counter[str] = field(default_factory=Counter)
    declines: Counter[str] = field(default_factory=Counter)
    # institution id -> [answered, answered in time, offered]
    institutions: dict[int, list[int]] = field(default_factory=dict)

    def add(self, other: Parts) -> Parts:
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if isinstance(mine, set):
                mine |= theirs
            elif isinstance(mine, Counter):
                mine.update(theirs)
            elif isinstance(mine, dict):
                for key, counts in theirs.items():
                    mine[key] = [a + b for a, b in zip(mine.get(key, [0, 0, 0]), counts, strict=True)]
            else:
                setattr(self, item.name, mine + theirs)
        return self

    def count_answer(self, institution_id: int, *, in_time: bool, offered: bool) -> None:
        self.answered += 1
        self.answered_in_time += in_time
        self.offered += offered
        counts = self.institutions.setdefault(institution_id, [0, 0, 0])
        counts[0] += 1
        counts[1] += in_time
        counts[2] += offered

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, set):
                data[item.name] = sorted(value)
            elif isinstance(value, dict):
                data[item.name] = {str(key): count for key, count in value.items()}
            elif isinstance(value, Decimal):
                data[item.name] = str(value)
            else:
                data[item.name] = value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Parts:
        parts = cls()
        for item in fields(cls):
            if item.name not in data:
                continue
            value, current = data[item.name], getattr(parts, item.name)
            if isinstance(current, set):
                setattr(parts, item.name, set(value))
            elif item.name in ("days_to_first_offer", "days_to_funding"):
                setattr(parts, item.name, Counter({int(k): n for k, n in value.items()}))
            elif isinstance(current, Counter):
                setattr(parts, item.name, Counter(value))
            elif item.name == "institutions":
                setattr(parts, item.name, {int(k): list(v) for k, v in value.items()})
            elif isinstance(current, Decimal):
                setattr(parts, item.name, Decimal(value))
            else:
                setattr(parts, item.name, value)
        return parts


def total(parts: list[Parts] | Any) -> Parts:
    result = Parts()
    for item in parts:
        result.add(item)
    return result
