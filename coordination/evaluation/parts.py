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
        for name in INTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in DECIMALS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in SETS:
            getattr(self, name).update(getattr(other, name))
        for name in COUNTERS:
            getattr(self, name).update(getattr(other, name))
        self._add_institutions(other.institutions.items())
        return self

    def add_json(self, data: dict[str, Any]) -> Parts:
        """Adds parts stored by `to_json`, without building them first (the snapshots' hot path)."""
        for name in INTS:
            setattr(self, name, getattr(self, name) + data.get(name, 0))
        for name in DECIMALS:
            if name in data:
                setattr(self, name, getattr(self, name) + Decimal(data[name]))
        for name in SETS:
            getattr(self, name).update(data.get(name, ()))
        for name in COUNTERS:
            counter = getattr(self, name)
            keyed = int if name in DAY_HISTOGRAMS else str
            for key, count in data.get(name, {}).items():
                counter[keyed(key)] += count
        self._add_institutions((int(key), counts) for key, counts in data.get("institutions", {}).items())
        return self

    def _add_institutions(self, items) -> None:
        mine = self.institutions
        for key, counts in items:
            if key in mine:
                mine[key] = [a + b for a, b in zip(mine[key], counts, strict=True)]
            else:
                mine[key] = list(counts)

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
        return cls().add_json(data)


INTS = tuple(f.name for f in fields(Parts) if f.type == "int")
DECIMALS = tuple(f.name for f in fields(Parts) if f.type == "Decimal")
SETS = tuple(f.name for f in fields(Parts) if f.type.startswith("set"))
COUNTERS = tuple(f.name for f in fields(Parts) if f.type.startswith("Counter"))
DAY_HISTOGRAMS = ("days_to_first_offer", "days_to_funding")


def total(parts: list[Parts] | Any) -> Parts:
    result = Parts()
    for item in parts:
        result.add(item)
    return result
