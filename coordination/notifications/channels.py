"""Senders for each channel. Each raises on failure; the relay decides about retries."""

import json
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..models import Delivery, Notification
from ..selectors import language_for
from . import signing, transport, url_policy
from .messages import body_for, title_for
from .transport import DeliveryFailed, Reply


def deliver_inbox(delivery: Delivery) -> None:
    language = language_for(delivery.user)
    with transaction.atomic():
        Notification.objects.get_or_create(
            delivery_key=delivery.key,
            defaults={
                "user": delivery.user,
                "topic": delivery.payload["topic"],
                "title": title_for(delivery.payload["topic"], language, delivery.payload),
                "body": body_for(delivery.payload["topic"], language, delivery.payload),
                "request_id": delivery.payload.get("request_id"),
            },
        )
        mark_sent(delivery)


def render_email(user, items: list[dict]) -> EmailMultiAlternatives:
    language = language_for(user)
    entries = [
        {"title": title_for(p["topic"], language, p), "body": body_for(p["topic"], language, p), "payload": p}
        for p in items
    ]
    context = {"user": user, "entries": entries, "site_url": settings.SITE_URL, "language": language}
    with translation.override(language):
        subject = (
            entries[0]["title"]
            if len(entries) == 1
            else render_to_string("emails/digest_subject.txt", context).strip()
        )
        text = render_to_string("emails/notification.txt", context)
        html = render_to_string("emails/notification.html", context)
    email = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    email.attach_alternative(html, "text/html")
    return email


def deliver_email(delivery: Delivery) -> None:
    email = render_email(delivery.user, [delivery.payload])
    # A stable Message-ID lets mail systems drop the copy if a crash makes us send twice.
    email.extra_headers["Message-ID"] = f"<{delivery.key.replace(':', '.')}@techfin.invalid>"
    email.send()
    mark_sent(delivery)


def webhook_body(delivery: Delivery) -> bytes:
    return json.dumps(
        {"delivery_id": delivery.key, **delivery.payload}, sort_keys=True, separators=(",", ":")
    ).encode()


def deliver_webhook(delivery: Delivery) -> Reply:
    subscription = delivery.subscription
    try:
        # Vetted again at every send: the name may resolve elsewhere now than at subscription.
        target = url_policy.vet(subscription.url)
    except url_policy.UrlRefused:
        raise DeliveryFailed(transport.REFUSED) from None
    body = webhook_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        signing.SIGNATURE_HEADER: signing.sign(subscription.secret, timestamp, body),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.DELIVERY_HEADER: delivery.key,
        signing.TOPIC_HEADER: delivery.payload["topic"],
    }
    reply = transport.post(target, body, headers)
    if not 200 <= reply.status < 300:
        raise DeliveryFailed(f"receiver answered {reply.status}", status=reply.status, excerpt=reply.excerpt)
    mark_sent(delivery, status=reply.status)
    return reply


def mark_sent(delivery: Delivery, status: int | None = None) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENT,
        delivered_at=timezone.now(),
        lease_until=None,
        response_status=status,
        last_error="",
    )


SENDERS = {
    Delivery.Channel.INBOX: deliver_inbox,
    Delivery.Channel.EMAIL: deliver_email,
    Delivery.Channel.WEBHOOK: deliver_webhook,
}
