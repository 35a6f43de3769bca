"""What every party of the history shares: the clock, the cast, the plans, and the bookkeeping of who has
noticed what and when (a party acts some time after it first sees a thing, as people do)."""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from coordination.errors import DomainError
from lenders.models import Institution

from ..seed.institutions import institution_spec
from .clock import Clock
from .parties import Cast
from .plans import Plan
from .profiles import ANCHOR_PROFILES, InstitutionProfile, institution_profile

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds between two steps of one round, so that a round's events keep their order and differ in time.
STEP_SECONDS = (20, 240)


@dataclass
class World:
    seed: str
    clock: Clock
    cast: Cast
    plans: dict[int, Plan] = field(default_factory=dict)  # request id -> what its applicant intends
    tally: Counter = field(default_factory=Counter)
    decided: set[tuple] = field(default_factory=set)  # decisions taken once per object
    _seen: dict[tuple, datetime] = field(default_factory=dict)
    _profiles: dict[int, InstitutionProfile] = field(default_factory=dict)
    _anchor_codes: dict[str, int] = field(default_factory=dict)

    def rng(self, *parts: object) -> random.Random:
        """A stream of its own for one decision, so that one party's choice never shifts another's."""
        return random.Random(":".join(map(str, (self.seed, *parts))))

    def due(self, key: tuple, days: float) -> bool:
        """Whether `days` have passed since the party first saw `key` (this call notices it)."""
        first = self._seen.setdefault(key, self.clock.now)
        return self.clock.now >= first + timedelta(days=days)

    def act(self, step: str, call: Callable[[], T]) -> T | None:
        """One step through a service; a refusal (the state moved meanwhile) is counted, not raised."""
        self.clock.step(self.rng("step", self.clock.now.isoformat(), step).uniform(*STEP_SECONDS))
        try:
            result = call()
        except DomainError as error:
            self.tally[f"refused: {step}"] += 1
            logger.debug("history: %s refused: %s", step, error.message)
            return None
        self.tally[step] += 1
        return result

    def profile(self, institution_id: int) -> InstitutionProfile:
        if institution_id not in self._profiles:
            if not self._anchor_codes:
                self._anchor_codes = {institution_spec(i).credit_code: i for i in ANCHOR_PROFILES}
            code = Institution.objects.values_list("credit_code", flat=True).get(pk=institution_id)
            self._profiles[institution_id] = institution_profile(code, self._anchor_codes.get(code))
        return self._profiles[institution_id]
