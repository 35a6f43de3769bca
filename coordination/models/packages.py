"""Financing packages for major tasks (DESIGN §14): a coordinator names the tranches a task's gap needs and
the institutions invited to cover each; the task's lead enterprise submits the package as its own request
(a coordinator never acts as an applicant, §1). Each change of a package's status is an append-only event."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.choices import Action, PackageStatus, Role
from lenders.choices import Instrument
from lenders.models import Institution
from projects.models import MONEY, MajorTask

from .financing import AppendOnlyQuerySet, FinancingRequest


class FinancingPackage(models.Model):
    major_task = models.ForeignKey(
        MajorTask, on_delete=models.PROTECT, related_name="packages", verbose_name=_("major task")
    )
    purpose = models.TextField(_("purpose"))
    status = models.CharField(
        _("status"), max_length=16, choices=PackageStatus.choices, default=PackageStatus.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("version"))
    # The request the lead enterprise submitted from it: the package's tranches, routed as any request.
    request = models.OneToOneField(
        FinancingRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="package",
        editable=False,
        verbose_name=_("financing request"),
    )
    decline_reason = models.TextField(_("decline reason"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("financing package")
        verbose_name_plural = _("financing packages")
        indexes = [models.Index(fields=["major_task", "status"], name="package_task_status")]

    def __str__(self) -> str:
        return _("package %(id)s for %(task)s") % {"id": self.pk, "task": self.major_task.code}

    @property
    def amount(self) -> Decimal:
        return sum((tranche.amount for tranche in self.tranches.all()), Decimal(0))

    @property
    def term_months(self) -> int:
        """The request's term: its longest tranche's (each tranche's own term stays on the package)."""
        return max((tranche.term_months for tranche in self.tranches.all()), default=0)


class PackageTranche(models.Model):
    package = models.ForeignKey(
        FinancingPackage,
        on_delete=models.CASCADE,
        related_name="tranches",
        verbose_name=_("financing package"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    instrument = models.CharField(_("instrument"), max_length=32, choices=Instrument.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    institutions = models.ManyToManyField(
        Institution, related_name="package_invitations", verbose_name=_("invited institutions")
    )

    class Meta:
        ordering = ["package", "position"]
        verbose_name = _("package tranche")
        verbose_name_plural = _("package tranches")
        constraints = [
            models.UniqueConstraint(fields=["package", "position"], name="package_tranche_position_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="package_tranche_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="package_tranche_term_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.package_id}/{self.position} {self.get_instrument_display()}"


class PackageEvent(models.Model):
    """Append-only audit of a package's status changes (its request's own events follow it from there)."""

    package = models.ForeignKey(
        FinancingPackage, on_delete=models.PROTECT, related_name="events", verbose_name=_("financing package")
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    actor_role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("package event")
        verbose_name_plural = _("package events")

    def __str__(self) -> str:
        return f"{self.package_id} {self.action}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Package events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Package events are append-only.")
