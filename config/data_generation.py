"""The data generation: a token in the shared cache that changes after every committed write to the
database, except to the tables no cached answer shows (sessions, the API tokens' last use, sign-in
attempts).

Why: the API's busiest lists are cached per caller and query under the current generation
(config/api/list_cache.py). A write from anywhere — a service, the admin, a Celery task, a bulk `update()`,
raw SQL — retires every cached page at once, and no write has to know which lists it changes. So the
writes are seen where they all pass, at the database cursor (`execute_wrappers`), not model by model.

The order makes it safe. The new token is set after the commit (`on_commit`), and a reader reads the
generation before it reads the data, so a page cached under a generation is never older than that
generation: a reader that read the old token may store the old or the new data under it, and after the
bump no reader asks for the old token again. The writer's own answer leaves after its bump, so a client
reads its own writes.
"""

import re
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

KEY = "data-generation"

# Writes that change no cached answer: a token's last use (every API call may touch it), sessions,
# django-axes' sign-in log.
QUIET_TABLES = frozenset(
    {
        "coordination_apitoken",
        "django_session",
        "axes_accessattempt",
        "axes_accesslog",
        "axes_accessfailurelog",
    }
)
_WRITE = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(\w+)', re.IGNORECASE
)


def enabled() -> bool:
    """Only with a cache every process shares: a per-process cache would miss the others' writes."""
    return settings.API_LIST_CACHE_SECONDS > 0


def current() -> str:
    """The generation now; a first reader (or one after Redis lost the key) starts a new one."""
    return str(cache.get_or_set(KEY, _new_token, timeout=None))


def _new_token() -> str:
    return uuid.uuid4().hex


def bump() -> None:
    cache.set(KEY, _new_token(), timeout=None)


def written_table(sql: str) -> str | None:
    """The table a write statement changes, or None for a read."""
    if sql[:6].upper() in ("SELECT", "SAVEPO", "RELEAS"):
        return None
    match = _WRITE.match(sql)
    return match.group(1) if match else None


def watch_writes(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: every cursor of the connection reports its writes."""
    if _after_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(_after_write)


def _after_write(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    if enabled() and (table := written_table(sql)) is not None and table not in QUIET_TABLES:
        connection = context["connection"]
        # Once per transaction: the callbacks already waiting for this commit (Django forgets them on a
        # rollback, so a rolled-back write leaves no bump behind and the next write registers again).
        if not any(callback is bump for _, callback, _ in connection.run_on_commit):
            # Outside a transaction the statement has committed: on_commit runs the bump at once.
            transaction.on_commit(bump, using=connection.alias, robust=True)
    return result
