"""Writes outbox messages inside the caller's transaction and nudges the relay once it commits.

The nudge names the relay task instead of importing it, so the workflow never imports a task.
"""

import logging
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import transaction

from config import request_id

from ..models import FinancingRequest, OutboxMessage

logger = logging.getLogger(__name__)
RELAY_TASK = "coordination.relay_message"  # registered in coordination/tasks.py


def enqueue(*, topic: str, request: FinancingRequest | None, payload: dict, now: datetime) -> OutboxMessage:
    message = OutboxMessage.objects.create(
        topic=topic,
        request=request,
        payload=payload,
        created_at=now,
        next_attempt_at=now,
        correlation_id=request_id.current(),
    )
    if settings.OUTBOX_NUDGE:
        transaction.on_commit(lambda: nudge(message.pk))
    return message


def enqueue_many(messages: list[tuple[str, FinancingRequest, dict]], *, now: datetime) -> list[OutboxMessage]:
    return enqueue_timed([(topic, request, payload, now) for topic, request, payload in messages])


def enqueue_timed(messages: list[tuple[str, FinancingRequest, dict, datetime]]) -> list[OutboxMessage]:
    """Messages written in one statement, each with its own time (moves held by engine.one_write)."""
    caused_by = request_id.current()
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            topic=topic,
            request=request,
            payload=payload,
            created_at=at,
            next_attempt_at=at,
            correlation_id=caused_by,
        )
        for topic, request, payload, at in messages
    )
    if settings.OUTBOX_NUDGE:

        def nudge_rows() -> None:
            for row in rows:
                nudge(row.pk)

        transaction.on_commit(nudge_rows)
    return rows


def nudge(message_id: int) -> None:
    """Ask a worker to relay now; if the broker is down the periodic sweep relays it later."""
    try:
        current_app.signature(RELAY_TASK).delay(message_id)
    except Exception:  # noqa: BLE001 - the committed outbox row is the guarantee, not this call
        logger.warning("broker unavailable; outbox message %s left for the sweep", message_id)
