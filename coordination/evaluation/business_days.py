"""Business days between many pairs of days with one calendar load: the project's calendar
(coordination/workflow/business_days.py) turned into a running count, so each pair costs a subtraction."""

from datetime import date, timedelta

from ..workflow.business_days import BusinessCalendar


class BusinessDayCounter:
    def __init__(self, start: date, end: date) -> None:
        calendar = BusinessCalendar(start, end)
        self._start = start
        self._running: list[int] = []
        counted, day = 0, start
        while day <= end:
            counted += calendar.is_business_day(day)
            self._running.append(counted)
            day += timedelta(days=1)

    def between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end`, as BusinessCalendar.count_business_days."""
        return self._running[(end - self._start).days] - self._running[(start - self._start).days]


def counter_for(pairs: list[tuple[date, date]]) -> BusinessDayCounter | None:
    if not pairs:
        return None
    return BusinessDayCounter(min(a for a, _ in pairs), max(b for _, b in pairs))
