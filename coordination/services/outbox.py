"""Writes outbox messages inside the caller's transaction; delivery is the relay's job."""

from datetime import datetime

from ..models import FinancingRequest, OutboxMessage


def enqueue(*, topic: str, request: FinancingRequest | None, payload: dict, now: datetime) -> OutboxMessage:
    return OutboxMessage.objects.create(
        topic=topic, request=request, payload=payload, created_at=now, next_attempt_at=now
    )
