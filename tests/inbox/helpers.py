"""Notifications for the inbox tests: through the real relay, or rows shaped as the relay writes them."""

from django.utils import timezone

from coordination.models import Delivery, Notification, OutboxMessage
from coordination.notifications import relay


def relay_everything() -> None:
    """What the worker would do: fan every pending message out and attempt every due delivery."""
    for message_id in OutboxMessage.objects.filter(state="pending").values_list("pk", flat=True):
        relay.fan_out(message_id)
    for delivery_id in Delivery.objects.filter(state="pending").values_list("pk", flat=True):
        relay.attempt(delivery_id)


def notify(user, request, topic: str, *, created_at=None, read=False, **payload) -> Notification:
    """One inbox notification as the relay leaves it: the message, the inbox delivery and the row."""
    payload = {"request_id": request.pk, "reference": request.reference, **payload}
    message = OutboxMessage.objects.create(topic=topic, request=request, payload=payload, state="sent")
    key = f"{message.pk}:inbox:u{user.pk}"
    Delivery.objects.create(
        message=message,
        channel="inbox",
        user=user,
        key=key,
        payload={"topic": topic, **payload},
        state="sent",
    )
    return Notification.objects.create(
        user=user,
        topic=topic,
        title=f"stored title {topic}",
        body="stored body",
        request=request,
        delivery_key=key,
        created_at=created_at or timezone.now(),
        read_at=timezone.now() if read else None,
    )
