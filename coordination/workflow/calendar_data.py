"""Service levels and the holiday table, read through Django's cache: every deadline a move opens needs both,
and they change only when someone edits them in the admin.

Both tables are kept under one key, so a deadline costs one cache read instead of two queries. A save or a
delete of either forgets the key at once and again when its transaction commits (a reader between the two
would otherwise cache the old rows for good); writes that send no signal (`update()`, `bulk_create`, raw
SQL) are seen when the key expires: settings.REFERENCE_CACHE_SECONDS bounds how stale the rows can be, and 0
reads them from the database every time.
"""

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from ..models import Holiday, ServiceLevel

logger = logging.getLogger(__name__)
KEY = "workflow-calendar:v1"


@dataclass(frozen=True)
class CalendarData:
    # stage → (region code or None for the default, business days, remind days before), in table order.
    service_levels: dict[str, list[tuple[str | None, int, int]]]
    # The Holiday table: date → whether it is a (make-up) working day.
    holidays: dict[date, bool]


def calendar_data() -> CalendarData:
    seconds = settings.REFERENCE_CACHE_SECONDS
    if seconds <= 0:
        return _read()
    try:
        cached = cache.get(KEY)
    except Exception:  # noqa: BLE001 - a deadline never fails for want of the cache: the tables answer
        logger.warning("cache unavailable: service levels and holidays read from the database")
        return _read()
    if cached is None:
        cached = _read()
        try:
            cache.set(KEY, cached, timeout=seconds)
        except Exception:  # noqa: BLE001 - as above; the next reader tries again
            logger.warning("cache unavailable: service levels and holidays not kept")
    return cached


def _read() -> CalendarData:
    levels: dict[str, list[tuple[str | None, int, int]]] = {}
    for stage, code, days, remind in ServiceLevel.objects.values_list(
        "stage", "region__code", "business_days", "remind_days_before"
    ):
        levels.setdefault(stage, []).append((code, days, remind))
    return CalendarData(levels, dict(Holiday.objects.order_by().values_list("date", "is_workday")))


def forget(**kwargs: Any) -> None:
    """`post_save` / `post_delete` receiver of ServiceLevel and Holiday."""
    _forget()
    transaction.on_commit(_forget, robust=True)


def _forget() -> None:
    try:
        cache.delete(KEY)
    except Exception:  # noqa: BLE001 - the rows expire with the key's timeout
        logger.warning("cache unavailable: service levels and holidays expire with their timeout")


REFERENCE_MODELS = (ServiceLevel, Holiday)
