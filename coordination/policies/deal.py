"""The two sides of a policy decision as plain values: a programme's terms and a deal's facts.

`selectors/policy.py` builds them from the database (a programme row, an offer or a tranche with its
enterprise); the simulator and the tests build them by hand. Money is in yuan, rates are yearly fractions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

YEAR_MONTHS = Decimal(12)


@dataclass(frozen=True)
class Programme:
    id: int
    code: str
    version: int
    name: str
    kind: str
    level: str
    region_code: str | None  # None: national
    region_name: str
    valid_from: date
    valid_until: date | None
    budget: Decimal
    parameters: Mapping  # normalised by parameters.validated (strings for decimals)
    instruments: tuple[str, ...] = ()  # empty: every instrument of the kind
    field_ids: frozenset[int] = frozenset()  # empty: every field
    stages: tuple[str, ...] = ()  # empty: every stage
    requires_tech_sme: bool = False
    min_credit_score: Decimal | None = None
    min_credit_version: str = ""
    first_loan_only: bool = False
    max_amount: Decimal | None = None


@dataclass(frozen=True)
class Deal:
    """One offer (or a tranche before it has one) with what the programmes ask about its enterprise."""

    day: date
    instrument: str
    amount: Decimal
    term_months: int | None
    annual_rate: Decimal | None  # the loan's rate, the insurer's premium rate or the guarantor's fee
    region_code: str
    stage: str
    field_ids: frozenset[int] = frozenset()  # the enterprise's fields and the fields above them
    tech_sme: bool = False
    on_relending_list: bool = False
    relending_bank: bool = False  # the institution may refinance with the central bank
    first_loan: bool = False  # no loan of the enterprise funded here before
    # The enterprise's latest-year innovation credit under each published model version that scored it.
    credits: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def term_years(self) -> Decimal:
        """The offer's life in years (one year when the offer names no term)."""
        return Decimal(self.term_months) / YEAR_MONTHS if self.term_months else Decimal(1)


def with_parents(fields: Iterable[tuple[int, int | None]]) -> frozenset[int]:
    """Field ids with their parents' (from (id, parent id) pairs): a programme for a root field covers its
    branches."""
    return frozenset(i for pair in fields for i in pair if i is not None)
