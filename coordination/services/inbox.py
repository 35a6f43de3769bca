"""The inbox (DESIGN.md §4, §9): read state, and what each user chooses to receive on which channel.

The relay reads the choices (`NotificationSetting.allows`, `email_digest`) when it fans a message out:
a muted "channel:topic" pair is never delivered, and with the digest on, e-mails wait for the daily digest
(services/digests.py).
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import NotificationSetting
from ..notifications.audience import APPLICANT_TOPICS, COORDINATOR_TOPICS, INSTITUTION_TOPICS
from ..selectors import coordinator_scope, notifications_visible_to

# The channels a user chooses for themselves; webhooks belong to a party (an enterprise, an institution,
# a coordinator scope) and carry the topics of their subscription.
USER_CHANNELS = ("inbox", "email")
REMINDER = "deadline.remind"


def topics_for(user) -> list[str]:
    """The topics this user can be told of, for the roles they hold (a user without one: an applicant's)."""
    topics: set[str] = set()
    if coordinator_scope(user) is not None:
        topics |= COORDINATOR_TOPICS
    if user.institutions.exists():
        topics |= INSTITUTION_TOPICS
    if user.enterprises.exists() or not topics:
        topics |= APPLICANT_TOPICS
    return sorted(topics | {REMINDER})


def mark_read(*, user, notification_id: int) -> bool:
    """Marks one of the user's own notifications read; False when it was read already or is not theirs."""
    return bool(
        notifications_visible_to(user)
        .filter(pk=notification_id, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def mark_all_read(*, user) -> int:
    return notifications_visible_to(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def save_preferences(
    *, user, language: str, email_digest: bool, muted: list[str], offered: list[str]
) -> NotificationSetting:
    """Stores the user's choices. `offered` are the "channel:topic" pairs the form showed: those not in
    `muted` are received again; pairs it did not show (another role's topics, "email:*") are kept."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with transaction.atomic():
        setting, _ = NotificationSetting.objects.select_for_update().get_or_create(user=user)
        kept = [pair for pair in setting.muted if pair not in set(offered)]
        setting.language = language
        setting.email_digest = email_digest
        setting.muted = sorted(set(kept) | (set(muted) & set(offered)))
        setting.save(update_fields=["language", "email_digest", "muted"])
    return setting
