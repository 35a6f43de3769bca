from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Enterprise, Region


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


class IdempotencyRecord(models.Model):
    """The first result of an action taken with an idempotency key, so a retry changes nothing."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("actor")
    )
    key = models.CharField(max_length=100, verbose_name=_("idempotency key"))
    action = models.CharField(max_length=40, verbose_name=_("action"))
    object_type = models.CharField(max_length=20, verbose_name=_("object type"))
    object_id = models.BigIntegerField(verbose_name=_("object id"))
    fingerprint = models.CharField(max_length=64, blank=True, verbose_name=_("fingerprint"))
    # The first response's body as sent (text, not jsonb, which would reorder its keys), so a replay
    # is the same bytes.
    response = models.TextField(blank=True, default="", verbose_name=_("response"))
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="idempotency_key_per_actor")]

    def __str__(self) -> str:
        return f"{self.key} → {self.action} {self.object_type}#{self.object_id}"

    @property
    def awaiting_response(self) -> bool:
        """Claimed by an API request whose response is not stored yet (so, by this very transaction:
        another's claim is invisible until it commits, and it commits with its response)."""
        return bool(self.fingerprint) and self.response_status is None


class ApiToken(models.Model):
    """A revocable API token. Only its hash is stored; the key is shown once when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, default="login")
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key hash"))
    integration = models.BooleanField(
        _("integration token"), default=False, help_text=_("Made for another system; acts as its user.")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last used at"))
    expires_at = models.DateTimeField(_("expires at"), editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

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


class EnterpriseJoinRequest(models.Model):
    """A user asks to become a member of an enterprise already registered (DESIGN §1, the one rule): one of
    the enterprise's managers (or a superuser) approves or refuses it; never a coordinator, never the
    applicant. Changed only by coordination/services/enterprise_onboarding.py; its history records every
    decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("enterprise")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enterprise_join_requests",
        verbose_name=_("applicant"),
    )
    message = models.CharField(_("message to the managers"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request to join an enterprise")
        verbose_name_plural = _("requests to join an enterprise")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user"],
                condition=Q(status="pending"),
                name="joinrequest_one_pending_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="joinrequest_decided_has_time",
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "status"], name="joinrequest_queue_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise} ({self.status})"
