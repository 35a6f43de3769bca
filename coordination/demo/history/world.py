"""What every party of the history shares: the clock, the cast, the plans, and the bookkeeping of who has
noticed what and when (a party acts some time after it first sees a thing, as people do)."""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple, TypeVar

from coordination.errors import DomainError
from coordination.models import FinancingRequest
from coordination.workflow.tables import REQUEST_TERMINAL
from lenders.models import Institution

from ..seed.institutions import institution_spec
from .clock import Clock
from .parties import Cast
from .plans import Plan
from .profiles import ANCHOR_PROFILES, InstitutionProfile, institution_profile

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds between two steps of one round (at history scale 1), so that a round's events keep their order
# and differ in time; a larger history takes shorter steps, so that a round still ends before the next.
STEP_SECONDS = (20, 240)


class Open(NamedTuple):
    """A request of the history that has not ended, as a round finds it."""

    pk: int
    status: str
    version: int
    escalated: bool
    region_code: str
    needs_rerouting: bool
    proposed_by: int | None
    enterprise_id: int


FIELDS = (
    "pk",
    "status",
    "version",
    "escalated",
    "enterprise__region__code",
    "needs_rerouting",
    "approval_proposed_by_id",
    "enterprise_id",
)


@dataclass
class World:
    seed: str
    clock: Clock
    cast: Cast
    scale: int = 1
    plans: dict[int, Plan] = field(default_factory=dict)  # request id -> what its applicant intends
    tally: Counter = field(default_factory=Counter)
    decided: set[tuple] = field(default_factory=set)  # decisions taken once per object
    _open: set[int] = field(default_factory=set)
    _changes: int = 0  # steps taken so far: what a round read stays true until the next one
    _reads: dict[str, tuple[int, object]] = field(default_factory=dict)
    _seen: dict[tuple, datetime] = field(default_factory=dict)
    _profiles: dict[int, InstitutionProfile] = field(default_factory=dict)
    _anchor_codes: dict[str, int] = field(default_factory=dict)

    def filed(self, request_id: int, plan: Plan) -> None:
        self.plans[request_id] = plan
        self._open.add(request_id)

    def read(self, name: str, query: Callable[[], T]) -> T:
        """`query()`, read again only after a step changed something (most rounds find nothing new)."""
        changes, value = self._reads.get(name, (-1, None))
        if changes != self._changes:
            value = query()
            self._reads[name] = (self._changes, value)
        return value  # type: ignore[return-value]

    def rows(self, name: str, queryset: Iterable[T]) -> list[T]:
        """A round's query, as a list, kept like `read`'s."""
        return self.read(name, partial(list, queryset))

    def changed(self) -> None:
        self._changes += 1

    def open_requests(self) -> dict[str, list[Open]]:
        """The requests not yet ended, by status."""
        return self.read("open requests", self._open_requests)

    def _open_requests(self) -> dict[str, list[Open]]:
        rows = FinancingRequest.objects.filter(pk__in=sorted(self._open)).order_by("pk")
        by_status: dict[str, list[Open]] = {}
        for row in rows.values_list(*FIELDS):
            request = Open(*row)
            if request.status in REQUEST_TERMINAL:
                self._open.discard(request.pk)
            else:
                by_status.setdefault(request.status, []).append(request)
        return by_status

    def rng(self, *parts: object) -> random.Random:
        """A stream of its own for one decision, so that one party's choice never shifts another's."""
        return random.Random(":".join(map(str, (self.seed, *parts))))

    def due(self, key: tuple, days: float) -> bool:
        """Whether `days` have passed since the party first saw `key` (this call notices it)."""
        first = self._seen.setdefault(key, self.clock.now)
        return self.clock.now >= first + timedelta(days=days)

    def act(self, step: str, call: Callable[[], T]) -> T | None:
        """One step through a service; a refusal (the state moved meanwhile) is counted, not raised."""
        pause = self.rng("step", self.clock.now.isoformat(), step).uniform(*STEP_SECONDS)
        self.clock.step(pause / self.scale)
        try:
            result = call()
        except DomainError as error:
            self.tally[f"refused: {step}"] += 1
            logger.debug("history: %s refused: %s", step, error.message)
            return None
        self.changed()
        self.tally[step] += 1
        return result

    def profile(self, institution_id: int) -> InstitutionProfile:
        if institution_id not in self._profiles:
            if not self._anchor_codes:
                self._anchor_codes = {institution_spec(i).credit_code: i for i in ANCHOR_PROFILES}
            code = Institution.objects.values_list("credit_code", flat=True).get(pk=institution_id)
            self._profiles[institution_id] = institution_profile(code, self._anchor_codes.get(code))
        return self._profiles[institution_id]
