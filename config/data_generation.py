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
# Statements that change no row; everything else counts as a write (fail safe: a `WITH … INSERT`, a
# `MERGE`, SQLite's `INSERT OR IGNORE` move the generation too). Schema statements (migrations, test
# databases) change no row a cached answer shows; their data migrations' own INSERTs and UPDATEs do.
_READS = (
    *("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ", "SHOW", "EXPLAIN", "PRAGMA"),
    *("CREATE", "DROP", "ALTER", "COMMENT", "VACUUM", "ANALYZE"),
)
_SIMPLE_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?\s", re.IGNORECASE)


def enabled() -> bool:
    """The lists are cached only with a cache every process shares: one process's memory would miss the
    others' writes."""
    return settings.API_LIST_CACHE_SECONDS > 0


def shared_cache() -> bool:
    """Writes move the generation wherever the cache is shared, whether or not this process caches lists
    (a worker, a management command, a node with the cache switched off still retire the others' pages)."""
    return not settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))


def current() -> str:
    """The generation now; a first reader (or one after Redis lost the key) starts a new one."""
    return str(cache.get_or_set(KEY, _new_token, timeout=None))


def _new_token() -> str:
    return uuid.uuid4().hex


def bump() -> None:
    cache.set(KEY, _new_token(), timeout=None)


def moves_generation(sql: str) -> bool:
    """Whether a statement may change what a cached answer shows: anything but a read or transaction
    control, unless it plainly writes one of the quiet tables."""
    if sql.lstrip(" \t\n(")[:9].upper().startswith(_READS):
        return False
    simple = _SIMPLE_WRITE.match(sql)
    return simple is None or simple.group(1) not in QUIET_TABLES


def watch_writes(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: every cursor of the connection reports its writes."""
    if _after_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(_after_write)


def _after_write(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    if shared_cache() and moves_generation(sql):
        connection = context["connection"]
        # Once per transaction: the callbacks already waiting for this commit (Django forgets them on a
        # rollback, so a rolled-back write leaves no bump behind and the next write registers again).
        if not any(callback is bump for _, callback, _ in connection.run_on_commit):
            # Outside a transaction the statement has committed: on_commit runs the bump at once.
            connection.on_commit(bump, robust=True)
    return result
