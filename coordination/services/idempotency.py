"""Claiming an idempotency key: an insert that only one transaction can make.

The unique constraint on (actor, key) is the arbiter. The first writer's insert succeeds and the row is
part of its transaction, committed with the effect (and, over HTTP, the stored response). A second
writer's insert waits on the index entry until the first transaction ends: if it committed, the insert
fails and the second writer reads the first result; if it rolled back, the second writer now holds the key.
The wait is bounded by IDEMPOTENCY_WAIT_SECONDS, after which the key is reported as still in progress.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext_lazy as _

from ..errors import KeyInProgress
from ..models import IdempotencyRecord

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired
# A committed claim is never deleted, so a failed insert finds its row; a few tries cover the rare
# case of a first writer that rolled back between our failed insert and our read.
CLAIM_ATTEMPTS = 3


def claim(
    *, user, key: str, fingerprint: str = "", action: str = "http", object_type: str = "", object_id: int = 0
) -> tuple[IdempotencyRecord, bool]:
    """The key's record and whether this transaction has just claimed it (False: another one holds it)."""
    for _attempt in range(CLAIM_ATTEMPTS):
        try:
            with transaction.atomic(), _bounded_lock_wait():
                record = IdempotencyRecord.objects.create(
                    actor=user,
                    key=key,
                    fingerprint=fingerprint,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                )
            return record, True
        except IntegrityError:
            pass
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise in_progress() from None
            raise
        existing = IdempotencyRecord.objects.filter(actor=user, key=key).first()
        if existing is not None:
            return existing, False
    raise in_progress()


def in_progress() -> KeyInProgress:
    return KeyInProgress(
        _("A request with this Idempotency-Key is still in progress; retry after a moment."),
        fields={"Idempotency-Key": [_("in progress")]},
        retry_after=max(1, round(settings.IDEMPOTENCY_WAIT_SECONDS)),
    )


@contextmanager
def _bounded_lock_wait() -> Iterator[None]:
    """Within the caller's savepoint: wait at most IDEMPOTENCY_WAIT_SECONDS for a lock, then restore."""
    if connection.vendor != "postgresql":  # SQLite serialises writers itself
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        (previous,) = cursor.fetchone()
        wait_ms = max(1, int(settings.IDEMPOTENCY_WAIT_SECONDS * 1000))  # 0 would mean "wait for ever"
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{wait_ms}ms"])
    # On an error the savepoint's rollback undoes the setting; on success it is restored here.
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
