from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.choices import (
    DeclineReason,
    DocumentKind,
    OfferStatus,
    ReferralStatus,
    RequestStatus,
    Role,
)
from lenders.choices import Instrument
from lenders.models import Institution, Product
from projects.models import MONEY, Enterprise, MajorTask


class MakerChecker(models.Model):
    """What is approved by two national coordinators when escalated (DESIGN §3 a request, §10 a loss claim):
    the maker's proposal, pending until a second one confirms or cancels it (workflow/rules.py)."""

    approval_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("approval proposed by"),
    )
    approval_proposed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("approval proposed at")
    )

    class Meta:
        abstract = True


class FinancingRequest(MakerChecker):
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
    version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("version"))
    escalated = models.BooleanField(_("escalated to national level"), default=False, editable=False)
    needs_rerouting = models.BooleanField(_("needs re-routing"), default=False, editable=False)
    overdue = models.BooleanField(_("overdue"), default=False, editable=False)
    screening = models.JSONField(_("screening result"), default=dict, blank=True, editable=False)
    info_request = models.TextField(_("information requested"), blank=True, editable=False)
    partial_package_reason = models.TextField(_("partial package reason"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("submitted at"))

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
    request = models.ForeignKey(
        FinancingRequest,
        on_delete=models.CASCADE,
        related_name="tranches",
        verbose_name=_("financing request"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    instrument = models.CharField(_("instrument"), max_length=32, choices=Instrument.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    accepted_offer = models.OneToOneField(
        "Offer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("accepted offer"),
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
        return f"{self.request.reference}/{self.position} {self.get_instrument_display()}"


class Referral(models.Model):
    """One tranche routed to one institution's product."""

    tranche = models.ForeignKey(
        Tranche, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("tranche")
    )
    request = models.ForeignKey(
        FinancingRequest,
        on_delete=models.CASCADE,
        related_name="referrals",
        verbose_name=_("financing request"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("product")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("institution")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.SENT,
        editable=False,
    )
    version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("version"))
    score = models.DecimalField(_("match score"), max_digits=6, decimal_places=2, default=0)
    explanation = models.JSONField(_("match explanation"), default=list, blank=True)
    decline_reason = models.CharField(
        _("decline reason"), max_length=32, choices=DeclineReason.choices, blank=True, editable=False
    )
    decline_note = models.TextField(_("decline note"), blank=True, editable=False)
    info_request = models.TextField(_("information requested"), blank=True, editable=False)
    internal_note = models.TextField(_("institution's internal note"), blank=True)
    overdue = models.BooleanField(_("overdue"), default=False, editable=False)
    # When the institution first opened it (DESIGN §1): until then it sees the anonymised teaser only.
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="offers", verbose_name=_("referral")
    )
    tranche = models.ForeignKey(
        Tranche, on_delete=models.CASCADE, related_name="offers", verbose_name=_("tranche")
    )
    request = models.ForeignKey(
        FinancingRequest, on_delete=models.CASCADE, related_name="offers", verbose_name=_("financing request")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.OPEN, editable=False
    )
    version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("version"))
    amount = models.DecimalField(_("amount"), **MONEY)
    annual_rate = models.DecimalField(
        _("annual rate / premium rate / fee"), max_digits=7, decimal_places=4, null=True
    )
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True)
    terms = models.JSONField(_("terms"), default=dict, blank=True)
    # Computed when the offer is made (services/policy_support.py, DESIGN §10; both names are a contract):
    # [{programme, kind, amount, explanation}] over the offer's life, and the yearly rate after subsidies.
    policy_support = models.JSONField(_("policy support"), default=list, blank=True, editable=False)
    net_annual_rate = models.DecimalField(
        _("net annual rate after policy support"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        editable=False,
    )
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

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
        return _("offer %(id)s on %(referral)s") % {"id": self.pk, "referral": self.referral}


class RequestDocument(models.Model):
    request = models.ForeignKey(
        FinancingRequest,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("financing request"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to="requests/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))

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

    request = models.ForeignKey(
        FinancingRequest, on_delete=models.PROTECT, related_name="events", verbose_name=_("financing request")
    )
    object_type = models.CharField(_("object type"), max_length=20)
    object_id = models.BigIntegerField(_("object id"))
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
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


class ReferenceCounter(models.Model):
    """Yearly sequence behind the human references FR-2026-000123."""

    year = models.PositiveSmallIntegerField(unique=True, verbose_name=_("year"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
