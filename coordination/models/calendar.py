from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.choices import (
    DeadlineKind,
    DeadlineState,
    Stage,
)
from projects.models import Region

from .financing import FinancingRequest


class ServiceLevel(models.Model):
    """Business days allowed for a waiting stage; a row with a region overrides the default."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
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
    request = models.ForeignKey(
        FinancingRequest,
        on_delete=models.CASCADE,
        related_name="deadlines",
        verbose_name=_("financing request"),
    )
    object_type = models.CharField(max_length=20, verbose_name=_("object type"))
    object_id = models.BigIntegerField(verbose_name=_("object id"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=DeadlineKind.choices)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.PENDING
    )
    fired_at = models.DateTimeField(null=True, blank=True, verbose_name=_("fired at"))
    # A sweep claims due rows for a short lease, so a second sweep running at once skips them.
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

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
        due = timezone.localtime(self.due_at).strftime("%Y-%m-%d %H:%M")
        return f"{self.get_kind_display()} · {self.get_stage_display()} · {due}"
