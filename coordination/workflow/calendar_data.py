"""Service levels and the holiday table, read through Django's cache: every deadline a move opens needs both,
and they change only when someone edits them in the admin.

Both tables are kept under one key, beside a version token that every edit replaces, and both are fetched in
one cache read per deadline. A save or a delete of either (or of a region, whose code the service levels are
matched by) replaces the token at once and again when its transaction commits. Rows kept under an old token
are read again: so a reader that read the tables just before an edit committed, and stored them just after,
cannot keep the old rows alive. Writes that send no signal (`update()`, `bulk_create`, raw SQL) are seen when
the key expires: settings.REFERENCE_CACHE_SECONDS bounds how stale the rows can be, and 0 reads them from the
database every time.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from projects.models import Region

from ..models import Holiday, ServiceLevel

logger = logging.getLogger(__name__)


def keys() -> tuple[str, str]:
    """The rows' key and the version token's, for the database the tables are read from: two databases
    behind one cache (a bench's beside a developer's) keep their own. By the database's name alone: processes
    that reach the same database by different addresses (a host name, localhost, a pooler) must share them,
    or an edit by one would not reach the others."""
    name = connection.settings_dict["NAME"]
    return f"workflow-calendar:v3:{name}", f"workflow-calendar:version:{name}"


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
    key, version_key = keys()
    try:
        found = cache.get_many([key, version_key])
    except Exception:  # noqa: BLE001 - a deadline never fails for want of the cache: the tables answer
        logger.warning("cache unavailable: service levels and holidays read from the database")
        return _read()
    version = found.get(version_key)
    kept = found.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    data = _read()
    try:
        cache.set(key, (version, data), timeout=seconds)
    except Exception:  # noqa: BLE001 - as above; the next reader tries again
        logger.warning("cache unavailable: service levels and holidays not kept")
    return data


def _read() -> CalendarData:
    levels: dict[str, list[tuple[str | None, int, int]]] = {}
    for stage, code, days, remind in ServiceLevel.objects.values_list(
        "stage", "region__code", "business_days", "remind_days_before"
    ):
        levels.setdefault(stage, []).append((code, days, remind))
    return CalendarData(levels, _holidays())


def holidays() -> dict[date, bool]:
    """The Holiday table alone, for a calendar that counts days: from the cache with the service levels when
    it is on, else read by itself (the service levels would be a query for nothing)."""
    if settings.REFERENCE_CACHE_SECONDS <= 0:
        return _holidays()
    return calendar_data().holidays


def _holidays() -> dict[date, bool]:
    return dict(Holiday.objects.order_by().values_list("date", "is_workday"))


def forget(**kwargs: Any) -> None:
    """`post_save` / `post_delete` receiver of ServiceLevel, Holiday and Region."""
    _forget()
    transaction.on_commit(_forget, robust=True)


def _forget() -> None:
    try:
        # A new token, not a counter: a counter evicted and started again could meet its old value.
        cache.set(keys()[1], uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - the rows expire with the key's timeout
        logger.warning("cache unavailable: service levels and holidays expire with their timeout")


# Region: the service levels are kept with their region's code.
REFERENCE_MODELS = (ServiceLevel, Holiday, Region)
