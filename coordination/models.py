from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument
from lenders.models import Institution, Product
from projects.models import MONEY, Enterprise, MajorTask, Region

from .choices import (
    DeadlineKind,
    DeadlineState,
    DeclineReason,
    DocumentKind,
    OfferStatus,
    ReferralStatus,
    RequestStatus,
    Role,
    Stage,
)


class CoordinatorScope(models.Model):
    """What a coordinator may see and act on: everything (national) or some regions and their sub-regions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coordinator_scope",
        verbose_name=_("user"),
    )
    national = models.BooleanField(_("national"), default=False)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="coordinator_scopes", verbose_name=_("regions")
    )

    class Meta:
        verbose_name = _("coordinator scope")
        verbose_name_plural = _("coordinator scopes")

    def __str__(self) -> str:
        return f"{self.user}: {'national' if self.national else 'regional'}"


class FinancingRequest(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="financing_requests", verbose_name=_("enterprise")
    )
    major_task = models.ForeignKey(
        MajorTask,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="financing_requests",
        verbose_name=_("major task"),
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    purpose = models.TextField(_("purpose"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    escalated = models.BooleanField(_("escalated to national level"), default=False, editable=False)
    needs_rerouting = models.BooleanField(_("needs re-routing"), default=False, editable=False)
    overdue = models.BooleanField(_("overdue"), default=False, editable=False)
    screening = models.JSONField(_("screening result"), default=dict, blank=True, editable=False)
    info_request = models.TextField(_("information requested"), blank=True, editable=False)
    approval_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approval_proposed_at = models.DateTimeField(null=True, blank=True, editable=False)
    partial_package_reason = models.TextField(_("partial package reason"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("financing request")
        verbose_name_plural = _("financing requests")
        indexes = [models.Index(fields=["status", "escalated"]), models.Index(fields=["-created_at", "-id"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="request_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="request_term_positive"),
        ]

    def __str__(self) -> str:
        return self.reference


class Tranche(models.Model):
    request = models.ForeignKey(FinancingRequest, on_delete=models.CASCADE, related_name="tranches")
    position = models.PositiveSmallIntegerField(_("position"))
    instrument = models.CharField(_("instrument"), max_length=32, choices=Instrument.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    accepted_offer = models.OneToOneField(
        "Offer", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    funded_amount = models.DecimalField(_("funded amount"), **MONEY, null=True, blank=True, editable=False)
    funded_on = models.DateField(_("funded on"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["request", "position"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="tranche_position_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference}/{self.position} {self.instrument}"


class Referral(models.Model):
    """One tranche routed to one institution's product."""

    tranche = models.ForeignKey(Tranche, on_delete=models.CASCADE, related_name="referrals")
    request = models.ForeignKey(FinancingRequest, on_delete=models.CASCADE, related_name="referrals")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="referrals")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.SENT,
        editable=False,
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    score = models.DecimalField(_("match score"), max_digits=6, decimal_places=2, default=0)
    explanation = models.JSONField(_("match explanation"), default=list, blank=True)
    decline_reason = models.CharField(
        _("decline reason"), max_length=32, choices=DeclineReason.choices, blank=True, editable=False
    )
    decline_note = models.TextField(_("decline note"), blank=True, editable=False)
    info_request = models.TextField(_("information requested"), blank=True, editable=False)
    internal_note = models.TextField(_("institution's internal note"), blank=True)
    overdue = models.BooleanField(_("overdue"), default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "tranche__position", "-score", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["institution", "status"])]
        constraints = [
            # Re-routing never goes back to an institution that already had this tranche.
            models.UniqueConstraint(fields=["tranche", "institution"], name="referral_once_per_institution"),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} → {self.institution}"


class Offer(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="offers")
    tranche = models.ForeignKey(Tranche, on_delete=models.CASCADE, related_name="offers")
    request = models.ForeignKey(FinancingRequest, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(
        _("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.OPEN, editable=False
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    amount = models.DecimalField(_("amount"), **MONEY)
    annual_rate = models.DecimalField(
        _("annual rate / premium rate / fee"), max_digits=7, decimal_places=4, null=True
    )
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True)
    terms = models.JSONField(_("terms"), default=dict, blank=True)
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="offer_amount_positive"),
            models.UniqueConstraint(
                fields=["tranche"], condition=Q(status="accepted"), name="offer_one_accepted_per_tranche"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} on {self.referral}"


class RequestDocument(models.Model):
    request = models.ForeignKey(FinancingRequest, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to="requests/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "kind", "uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Transition events are append-only.")

    def delete(self):
        raise PermissionError("Transition events are append-only.")


class TransitionEvent(models.Model):
    """Append-only audit of every state change (and of decisions that keep the state, such as proposals)."""

    request = models.ForeignKey(FinancingRequest, on_delete=models.PROTECT, related_name="events")
    object_type = models.CharField(_("object type"), max_length=20)
    object_id = models.BigIntegerField(_("object id"))
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("transition event")
        verbose_name_plural = _("transition events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.action}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Transition events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Transition events are append-only.")


class IdempotencyRecord(models.Model):
    """The first result of an action taken with an idempotency key, so a retry changes nothing."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64, blank=True)
    # The first response's body as sent (text, not jsonb, which would reorder its keys), so a replay
    # is the same bytes.
    response = models.TextField(blank=True, default="")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="idempotency_key_per_actor")]

    def __str__(self) -> str:
        return f"{self.key} → {self.action} {self.object_type}#{self.object_id}"

    @property
    def awaiting_response(self) -> bool:
        """Claimed by an API request whose response is not stored yet (so, by this very transaction:
        another's claim is invisible until it commits, and it commits with its response)."""
        return bool(self.fingerprint) and self.response_status is None


class ServiceLevel(models.Model):
    """Business days allowed for a waiting stage; a row with a region overrides the default."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    business_days = models.PositiveSmallIntegerField(_("business days"))
    remind_days_before = models.PositiveSmallIntegerField(_("remind business days before due"), default=1)

    class Meta:
        ordering = ["stage", "region"]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        constraints = [
            models.UniqueConstraint(fields=["stage", "region"], name="service_level_per_region"),
            models.UniqueConstraint(
                fields=["stage"], condition=Q(region__isnull=True), name="service_level_one_default"
            ),
            models.CheckConstraint(condition=Q(business_days__gt=0), name="service_level_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.business_days}"


class Holiday(models.Model):
    """Overrides and extends the public-holiday calendar: a day off, or a make-up working day."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("make-up working day"), default=False)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Deadline(models.Model):
    request = models.ForeignKey(FinancingRequest, on_delete=models.CASCADE, related_name="deadlines")
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=DeadlineKind.choices)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.PENDING
    )
    fired_at = models.DateTimeField(null=True, blank=True)
    # A sweep claims due rows for a short lease, so a second sweep running at once skips them.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            # The sweep reads only pending, due rows: its cost follows them, not the table.
            models.Index(fields=["due_at"], condition=Q(state="pending"), name="deadline_pending_due_idx"),
            models.Index(fields=["object_type", "object_id", "state"], name="deadline_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_type}#{self.object_id} at {self.due_at}"


class OutboxMessage(models.Model):
    """A message a committed change must cause; written in the change's own transaction."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Dead letter")

    topic = models.CharField(_("topic"), max_length=60)
    request = models.ForeignKey(
        FinancingRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages"
    )
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
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


class ReferenceCounter(models.Model):
    """Yearly sequence behind the human references FR-2026-000123."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class NotificationSetting(models.Model):
    """Language, digest choice and muted "channel:topic" pairs (e.g. "email:offer.make", "email:*")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_setting"
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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    topic = models.CharField(_("topic"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    request = models.ForeignKey(
        FinancingRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    delivery_key = models.CharField(max_length=120, unique=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class WebhookSubscription(models.Model):
    """A party's endpoint; it only carries events that party may see."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        help_text=_("A coordinator: events in that coordinator's scope."),
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    topics = models.JSONField(_("topics"), default=list, blank=True, help_text=_("Empty means every topic."))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

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
        DEAD = "dead", _("Dead letter")

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

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

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(
        _("response excerpt"), max_length=256, blank=True, help_text=_("The first characters of the answer.")
    )
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery} at {self.at}: {'ok' if self.ok else self.error}"


class ApiToken(models.Model):
    """A revocable API token. Only its hash is stored; the key is shown once when it is made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="login")
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    integration = models.BooleanField(
        _("integration token"), default=False, help_text=_("Made for another system; acts as its user.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) for {self.user}"

    def save(self, *args, **kwargs):
        # Here rather than in the service so that every way a token is made (API, admin) gets an expiry.
        if self.expires_at is None:
            ttl = settings.API_INTEGRATION_TOKEN_TTL_DAYS if self.integration else settings.API_TOKEN_TTL_DAYS
            self.expires_at = timezone.now() + timedelta(days=ttl)
        super().save(*args, **kwargs)


from . import audit  # noqa: E402,F401  (history of the grant and configuration models)
