"""The history's controlled clock: every service reads `timezone.now()`, so the history moves time itself
(time-machine) instead of writing timestamps into rows."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import time_machine
from django.conf import settings

from coordination.workflow.business_days import SHANGHAI, BusinessCalendar


class Clock:
    """Frozen simulated time (Asia/Shanghai); only moves forward, and only when told."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._travel = time_machine.travel(start, tick=False)
        self._traveller: time_machine.Traveller | None = None

    def __enter__(self) -> Clock:
        self._traveller = self._travel.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._travel.stop()
        self._traveller = None

    @property
    def now(self) -> datetime:
        return self._now

    def at(self, moment: datetime) -> datetime:
        """Move to `moment` (never back: an earlier moment leaves the clock where it is)."""
        if moment > self._now:
            assert self._traveller is not None, "the clock moves only while it runs"
            self._traveller.move_to(moment)
            self._now = moment
        return self._now

    def step(self, seconds: float) -> datetime:
        return self.at(self._now + timedelta(seconds=seconds))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def business_days(first: date, last: date) -> list[date]:
    """The business days from `first` to `last` inclusive, on the project's holiday calendar."""
    calendar = BusinessCalendar(first, last)
    days, day = [], first
    while day <= last:
        if calendar.is_business_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day when it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


@contextmanager
def quiet_settings() -> Iterator[None]:
    """A year of transitions in one go: none nudges the broker on commit (the history settles its own
    outbox rows, see `run.settle_outbox`, so the nudges would only fill the queue), and DEBUG's query log is
    off (it quotes every statement's parameters again; about a quarter of the time on SQLite)."""
    previous = settings.OUTBOX_NUDGE, settings.DEBUG
    settings.OUTBOX_NUDGE, settings.DEBUG = False, False
    try:
        yield
    finally:
        settings.OUTBOX_NUDGE, settings.DEBUG = previous
