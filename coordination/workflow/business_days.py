"""Business days on the Chinese public-holiday calendar, with make-up working days.

The admin's Holiday table wins over the `chinesecalendar` package; for a year neither knows we
fall back to Monday–Friday and log it once per year, because a deadline must never crash.
"""

import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from .calendar_data import CalendarData
from .calendar_data import holidays as calendar_holidays

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Deadlines fall at office close on their last business day; reminders at its opening.
DUE_TIME = time(18, 0)
REMIND_TIME = time(9, 0)


@lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    logger.warning("No public-holiday data for %s: counting Monday to Friday as business days", year)


def _package_is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


class BusinessCalendar:
    """Loads the overrides for a span once (from the cached tables, calendar_data.py), so counting many days
    reads them once."""

    def __init__(self, start: date, end: date, data: CalendarData | None = None) -> None:
        # The Holiday table from the cache (calendar_data.py), or from `data` already read from it: every move
        # that opens a deadline counts days.
        holidays = data.holidays if data is not None else calendar_holidays()
        self._overrides = {day: workday for day, workday in holidays.items() if start <= day <= end}

    def is_business_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        return _package_is_workday(day)

    def add_business_days(self, start: date, days: int) -> date:
        """The `days`-th business day after `start` (start itself does not count)."""
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day

    def count_business_days(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end`: 0 when `end` is `start` (due today),
        negative when `end` has passed (that many business days overdue). The calendar must span both."""
        low, high, sign = (start, end, 1) if end >= start else (end, start, -1)
        day, counted = low, 0
        while day < high:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return sign * counted

    def subtract_business_days(self, end: date, days: int) -> date:
        day, counted = end, 0
        while counted < days:
            day -= timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day


def calendar_for(start: date, days: int, data: CalendarData | None = None) -> BusinessCalendar:
    # Generous span: every business day needs at most ~3 calendar days even across Spring Festival.
    return BusinessCalendar(
        start - timedelta(days=3 * days + 14), start + timedelta(days=3 * days + 14), data
    )


def add_business_days(start: date, days: int) -> date:
    return calendar_for(start, days).add_business_days(start, days)


def local_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=SHANGHAI)
