from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenders.models import Institution
from projects.models import Enterprise

from .financing import FinancingRequest


class OutboxMessage(models.Model):
    """A message a committed change must cause; written in the change's own transaction."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Dead letter")

    topic = models.CharField(_("topic"), max_length=60)
    request = models.ForeignKey(
        FinancingRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("financing request"),
    )
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    # The id of the request (or task) that caused the message, so the relay logs under it too.
    correlation_id = models.CharField(_("request id"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.state})"


class NotificationSetting(models.Model):
    """Language, digest choice and muted "channel:topic" pairs (e.g. "email:offer.make", "email:*")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_setting",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    email_digest = models.BooleanField(_("daily e-mail digest instead of single e-mails"), default=False)
    muted = models.JSONField(_("muted channel:topic pairs"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"

    def allows(self, channel: str, topic: str) -> bool:
        return f"{channel}:{topic}" not in self.muted and f"{channel}:*" not in self.muted


class Notification(models.Model):
    """The in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    topic = models.CharField(_("topic"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    request = models.ForeignKey(
        FinancingRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("financing request"),
    )
    delivery_key = models.CharField(max_length=120, unique=True, verbose_name=_("delivery key"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class EmailDigest(models.Model):
    """A daily digest e-mail that went out: one per user and day (Asia/Shanghai), whoever runs the task.

    The unique (user, day) row is written in the transaction that sends the digest, so a second run
    the same day, or a second worker at the same moment, finds it and sends nothing.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    items = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        ordering = ["-day", "user_id"]
        verbose_name = _("e-mail digest")
        verbose_name_plural = _("e-mail digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="email_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class WebhookSubscription(models.Model):
    """A party's endpoint; it only carries events that party may see."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("institution"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("enterprise"),
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        help_text=_("A coordinator: events in that coordinator's scope."),
        verbose_name=_("coordinator"),
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    topics = models.JSONField(_("topics"), default=list, blank=True, help_text=_("Empty means every topic."))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(institution__isnull=False, enterprise__isnull=True, coordinator__isnull=True)
                    | Q(institution__isnull=True, enterprise__isnull=False, coordinator__isnull=True)
                    | Q(institution__isnull=True, enterprise__isnull=True, coordinator__isnull=False)
                ),
                name="webhook_exactly_one_party",
            )
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, topic: str) -> bool:
        return self.is_active and (not self.topics or topic in self.topics)


class Delivery(models.Model):
    """One message to one recipient on one channel; its unique key means a retry never sends twice."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("In-app inbox")
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DIGEST = "digest", _("Waiting for the daily digest")
        SENT = "sent", _("Sent")
        # A digest e-mail item the user had already read in the inbox when the digest went out.
        SKIPPED = "skipped", _("Not sent: already read in the inbox")
        DEAD = "dead", _("Dead letter")

    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("outbox message")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("webhook subscription"),
    )
    key = models.CharField(max_length=120, unique=True, verbose_name=_("delivery key"))
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("leased until"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.key} ({self.state})"


class DeliveryAttempt(models.Model):
    """The delivery log: each try, its outcome and the receiver's answer."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("time"))
    ok = models.BooleanField(verbose_name=_("succeeded"))
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    response_excerpt = models.CharField(
        _("response excerpt"), max_length=256, blank=True, help_text=_("The first characters of the answer.")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration (ms)"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery} at {self.at}: {'ok' if self.ok else self.error}"
