"""The daily e-mail digest (DESIGN.md §4): one e-mail per user and day with what they have not read yet.

A user who chose the digest (`NotificationSetting.email_digest`) gets no single e-mails: the relay leaves
their e-mail deliveries waiting (state "digest"). Once a day the beat task calls `send_daily_digests`,
which sends each such user one e-mail with the items still unread in the inbox since the last digest;
items already read there are not mailed (state "skipped"). An `EmailDigest` row per (user, day), written
in the same transaction as the send, makes a second run that day — or a second worker at the same
moment — send nothing.
"""

import logging
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Delivery, EmailDigest, Notification
from ..notifications.channels import render_email

logger = logging.getLogger(__name__)


def inbox_key(delivery: Delivery) -> str:
    """The key of the inbox notification the same message made for the same user (notifications/relay.py)."""
    return f"{delivery.message_id}:{Delivery.Channel.INBOX}:u{delivery.user_id}"


def send_daily_digests(*, now: datetime | None = None) -> int:
    """Sends today's digests (the day in settings.TIME_ZONE); returns how many e-mails went out."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    waiting = (
        Delivery.objects.filter(state=Delivery.State.DIGEST, channel=Delivery.Channel.EMAIL)
        .exclude(user_id__in=EmailDigest.objects.filter(day=day).values("user_id"))
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(waiting):
        try:
            sent += send_digest(user_id=user_id, day=day, now=now)
        except Exception:  # noqa: BLE001 - one user's failed send must not stop the others'; retried next run
            logger.exception("daily digest for user %s failed", user_id)
    return sent


def send_digest(*, user_id: int, day: date, now: datetime) -> bool:
    """One user's digest for `day`; False when they had it already, or nothing they have not read waits."""
    with transaction.atomic():
        try:
            # A second worker inserting the same (user, day) waits here until the first commits, then fails.
            with transaction.atomic():
                record = EmailDigest.objects.create(user_id=user_id, day=day, sent_at=now)
        except IntegrityError:
            return False
        rows = list(
            Delivery.objects.select_for_update(of=("self",))
            .filter(user_id=user_id, state=Delivery.State.DIGEST, channel=Delivery.Channel.EMAIL)
            .select_related("user__notification_setting")
            .order_by("created_at", "id")
        )
        read = set(
            Notification.objects.filter(
                user_id=user_id, read_at__isnull=False, delivery_key__in=[inbox_key(r) for r in rows]
            ).values_list("delivery_key", flat=True)
        )
        unread = [r for r in rows if inbox_key(r) not in read]
        Delivery.objects.filter(pk__in=[r.pk for r in rows if inbox_key(r) in read]).update(
            state=Delivery.State.SKIPPED, delivered_at=None
        )
        user = unread[0].user if unread else None
        if user is None or not user.email:
            record.delete()  # no digest went out: the day stays free
            return False
        # The e-mail is in the user's language: render_email asks channels.language_of(user).
        email = render_email(user, [row.payload for row in unread])
        # A stable Message-ID lets mail systems drop a copy if a crash after the send makes us send again.
        email.extra_headers["Message-ID"] = f"<digest.u{user_id}.{day.isoformat()}@techfin.invalid>"
        email.send()
        Delivery.objects.filter(pk__in=[r.pk for r in unread]).update(
            state=Delivery.State.SENT, delivered_at=now
        )
        record.items = len(unread)
        record.save(update_fields=["items"])
    return True
