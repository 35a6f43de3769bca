"""The outbox relay: fan each message out to deliveries, attempt them, retry with back-off, dead-letter.

Delivery is at-least-once towards the receiver with a unique delivery key, and exactly-once into
the inbox (the inbox row and the delivery's state commit together).
"""

import logging
import random
import time
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config import request_id

from ..models import Delivery, DeliveryAttempt, NotificationSetting, OutboxMessage
from .audience import audiences_for
from .channels import SENDERS, DeliveryFailed

logger = logging.getLogger(__name__)
# Registered in coordination/tasks.py.
DELIVER_TASK, DELIVER_WEBHOOK_TASK = "coordination.deliver", "coordination.deliver_webhook"


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter in its upper half, capped below the broker's visibility timeout."""
    ceiling = min(
        settings.DELIVERY_RETRY_MAX_SECONDS, settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    )
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def build_deliveries(message: OutboxMessage) -> list[Delivery]:
    deliveries = []
    for audience in audiences_for(message):
        payload = audience.payload(message)
        settings_by_user = {
            s.user_id: s for s in NotificationSetting.objects.filter(user__in=[u.pk for u in audience.users])
        }
        for user in audience.users:
            setting = settings_by_user.get(user.pk) or NotificationSetting(user=user)
            if setting.allows("inbox", message.topic):
                deliveries.append(_delivery(message, Delivery.Channel.INBOX, payload, user=user))
            if user.email and setting.allows("email", message.topic):
                delivery = _delivery(message, Delivery.Channel.EMAIL, payload, user=user)
                if setting.email_digest:
                    delivery.state = Delivery.State.DIGEST
                deliveries.append(delivery)
        for subscription in audience.webhooks:
            if subscription.wants(message.topic):
                deliveries.append(
                    _delivery(message, Delivery.Channel.WEBHOOK, payload, subscription=subscription)
                )
    return deliveries


def _delivery(message, channel, payload, *, user=None, subscription=None) -> Delivery:
    party = f"u{user.pk}" if user else f"s{subscription.pk}"
    return Delivery(
        message=message,
        channel=channel,
        user=user,
        subscription=subscription,
        payload=payload,
        key=f"{message.pk}:{channel}:{party}",
    )


def fan_out(message_id: int) -> list[int]:
    """Turn one pending message into deliveries; safe to run twice or concurrently."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, state=OutboxMessage.State.PENDING)
            .first()
        )
        if message is None:
            return []
        with request_id.bound(message.correlation_id):
            try:
                with transaction.atomic():
                    Delivery.objects.bulk_create(build_deliveries(message), ignore_conflicts=True)
            except Exception as exc:  # noqa: BLE001 - any failure is retried, then dead-lettered
                logger.exception("fan-out of outbox message %s failed", message_id)
                _fail(message, exc, now)
                message.save(update_fields=["state", "attempts", "next_attempt_at", "last_error"])
                return []
            message.state, message.sent_at = OutboxMessage.State.SENT, now
            message.save(update_fields=["state", "sent_at"])
            ids = list(message.deliveries.filter(state=Delivery.State.PENDING).values_list("pk", flat=True))
            logger.info(
                "outbox message %s (%s) fanned out to %d deliveries", message_id, message.topic, len(ids)
            )
    with request_id.bound(message.correlation_id):
        dispatch(ids)
    return ids


def _fail(obj, exc: Exception, now) -> None:
    obj.attempts += 1
    obj.last_error = str(exc)[:2000]
    if obj.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        obj.state = obj.State.DEAD
    else:
        obj.next_attempt_at = now + backoff(obj.attempts)


def attempt(delivery_id: int) -> str:
    """Claim the delivery for a lease, send it, record the try; returns the resulting state."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, next_attempt_at__lte=now)
        .filter(Q(state=Delivery.State.PENDING) | Q(state=Delivery.State.SENDING, lease_until__lt=now))
        .update(
            state=Delivery.State.SENDING,
            lease_until=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("user__notification_setting", "subscription").get(
        pk=delivery_id
    )
    started = time.monotonic()
    try:
        reply = SENDERS[delivery.channel](delivery)
    except Exception as exc:  # noqa: BLE001 - a failed send is logged and retried, never lost
        elapsed = int((time.monotonic() - started) * 1000)
        DeliveryAttempt.objects.create(
            delivery=delivery,
            ok=False,
            error=str(exc)[:2000],
            duration_ms=elapsed,
            response_status=getattr(exc, "status", None),
            response_excerpt=getattr(exc, "excerpt", ""),
        )
        dead = delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.DEAD if dead else Delivery.State.PENDING,
            lease_until=None,
            last_error=str(exc)[:2000],
            response_status=getattr(exc, "status", None),
            next_attempt_at=now + backoff(delivery.attempts),
        )
        if not isinstance(exc, DeliveryFailed):
            logger.exception("delivery %s failed", delivery.key)
        return "dead" if dead else "retry"
    DeliveryAttempt.objects.create(
        delivery=delivery,
        ok=True,
        response_status=reply.status if reply else None,
        response_excerpt=reply.excerpt if reply else "",
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    return "sent"


def dispatch(delivery_ids: list[int]) -> None:
    """Hand deliveries to the worker; if the broker is down the sweep picks them up later.

    Webhooks go to their own task (and queue), so a slow receiver never delays an inbox or an e-mail.
    The tasks are named, not imported: the relay sits below the tasks that call it.
    """

    webhooks = set(
        Delivery.objects.filter(pk__in=delivery_ids, channel=Delivery.Channel.WEBHOOK).values_list(
            "pk", flat=True
        )
    )
    for delivery_id in delivery_ids:
        task = DELIVER_WEBHOOK_TASK if delivery_id in webhooks else DELIVER_TASK
        try:
            current_app.signature(task).delay(delivery_id)
        except Exception:  # noqa: BLE001 - broker outage: the rows stay due and the sweep retries
            logger.warning("broker unavailable; delivery %s left for the sweep", delivery_id)
            return


def delivery_time_limits() -> tuple[float, float]:
    """The delivery tasks' (hard, soft) time limits: the soft one lets a cut try be recorded as failed."""
    hard = settings.DELIVERY_TASK_TIME_LIMIT_SECONDS
    return hard, max(hard - 5, hard / 2)


def sweep(batch: int = 500) -> dict[str, int]:
    """Everything the nudges missed: pending messages, due retries, and deliveries whose worker died."""
    now = timezone.now()
    message_ids = list(
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in message_ids:
        fan_out(pk)
    due = list(
        Delivery.objects.filter(
            Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Delivery.State.SENDING, lease_until__lt=now)
        ).values_list("pk", flat=True)[:batch]
    )
    dispatch(due)
    return {"messages": len(message_ids), "deliveries": len(due)}


def resend(delivery_ids: list[int]) -> int:
    """A dead letter sent again from the admin: a fresh set of tries."""
    count = Delivery.objects.filter(pk__in=delivery_ids, state=Delivery.State.DEAD).update(
        state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    transaction.on_commit(lambda: dispatch(list(delivery_ids)))
    return count
