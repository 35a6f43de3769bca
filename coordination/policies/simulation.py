"""The simulator (DESIGN §10 "Incremental policy"): a programme, or a copy with changed terms, replayed over
a past window's offers and fundings with the same support functions the offers use. Pure: the deals come
from `selectors/policy.py`, the result is a plain dict (JSON-ready, money as strings) and nothing is written.

Expected cost: the support of each qualifying offer made in the window, over the offer's life. Committed
cost: for each tranche funded in the window, its accepted offer's support scaled to the funded amount,
reckoned as the ledger's commit does (workflow/ledger.py). The budget applies as in the ledger: fundings
commit in the order they were funded (same day: in the order of their offers) against what the budget
still held when the window opened, and one that does not fit is refused whole and counted as refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .deal import Deal, Programme
from .support import support_for

CENTS = Decimal("0.01")
UNCLASSIFIED = ""
BREAKDOWNS = ("field", "stage", "size")


@dataclass(frozen=True)
class WindowDeal:
    """One offer replayed: made in the window, or accepted and funded in it (or both)."""

    deal: Deal
    enterprise_id: int
    offer_amount: Decimal
    offered_in_window: bool
    funded_amount: Decimal | None = None  # set when its tranche was funded in the window
    funded_on: date | None = None
    stage: str = UNCLASSIFIED
    size: str = UNCLASSIFIED
    field_keys: tuple[str, ...] = field(default_factory=tuple)  # the enterprise's top-level fields


@dataclass
class _Tally:
    deals: int = 0
    fundings: int = 0
    enterprises: set[int] = field(default_factory=set)
    expected: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    refused: int = 0  # fundings whose commitment the budget refused
    refused_amount: Decimal = Decimal(0)

    def add(self, item: _Replayed) -> None:
        self.deals += 1
        self.enterprises.add(item.row.enterprise_id)
        if item.expected is not None:
            self.expected += item.expected
        if item.committed is not None and item.refused:
            self.refused += 1
            self.refused_amount += item.committed
        elif item.committed is not None:
            self.fundings += 1
            self.committed += item.committed

    def as_json(self) -> dict:
        return {
            "deals": self.deals,
            "fundings": self.fundings,
            "enterprises": len(self.enterprises),
            "expected": str(self.expected),
            "committed": str(self.committed),
            "refused": self.refused,
            "refused_amount": str(self.refused_amount),
        }


@dataclass
class _Replayed:
    row: WindowDeal
    expected: Decimal | None
    committed: Decimal | None
    refused: bool = False


def committed_share(support: Decimal, offer_amount: Decimal, funded_amount: Decimal) -> Decimal:
    """The support committed at funding: the offer's support scaled to what was funded (as the ledger)."""
    return (support * (funded_amount / offer_amount)).quantize(CENTS, rounding=ROUND_HALF_UP)


def with_changes(programme: Programme, changes: Mapping) -> Programme:
    """An unsaved copy of the programme with changed terms (`changes` already validated by the service)."""
    return replace(programme, **dict(changes))


def _apply_budget(replayed: list[_Replayed], budget_left: Decimal) -> None:
    """Commit the fundings in the order they were funded (same day: their offers' order) while the budget
    holds them; what does not fit is refused whole, as the ledger refuses it."""
    fundings = [item for item in replayed if item.committed is not None]
    for item in sorted(fundings, key=lambda item: item.row.funded_on or date.min):  # stable: offers' order
        assert item.committed is not None
        if item.committed > budget_left:
            item.refused = True
        else:
            budget_left -= item.committed


def replay(programme: Programme, rows: Iterable[WindowDeal], *, budget_left: Decimal | None = None) -> dict:
    """Deals and enterprises reached and their cost, in total and by field, stage and size class.

    `budget_left`: what the programme's budget still held when the window opened (None: no budget)."""
    replayed: list[_Replayed] = []
    for row in rows:
        support = support_for(programme, row.deal)
        if support is None:
            continue
        expected = support.amount if row.offered_in_window else None
        committed = (
            committed_share(support.amount, row.offer_amount, row.funded_amount)
            if row.funded_amount
            else None
        )
        if expected is not None or committed is not None:
            replayed.append(_Replayed(row, expected, committed))
    if budget_left is not None:
        _apply_budget(replayed, budget_left)
    totals = _Tally()
    groups: dict[str, dict[str, _Tally]] = {name: {} for name in BREAKDOWNS}
    for item in replayed:
        totals.add(item)
        row = item.row
        keys = {"field": row.field_keys or (UNCLASSIFIED,), "stage": (row.stage,), "size": (row.size,)}
        for name, values in keys.items():
            for value in values:
                groups[name].setdefault(value, _Tally()).add(item)
    return {
        "totals": totals.as_json(),
        **{name: {key: tally.as_json() for key, tally in sorted(g.items())} for name, g in groups.items()},
    }
