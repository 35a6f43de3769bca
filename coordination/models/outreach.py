"""Outreach (DESIGN §14): recommendation lists a coordinator publishes to institutions, the consent to be
recommended they rest on, and each institution's follow-up on an entry.

Lists are (code, version): a draft is rebuilt freely; a published version keeps its entries and criteria
(a change is a new version). An entry leaves an open list only when its firm withdraws its consent
(`withdrawn_at`); nothing is deleted, so the evaluation still counts what happened.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument
from lenders.models import Institution
from projects.models import MONEY, Enterprise, MajorTask, Region

from ..choices import DeclineReason, FollowUpStatus, ListStatus


class RecommendationConsent(models.Model):
    """An enterprise's consent to be put on recommendation lists (DESIGN §1). Its history (who gave or
    withdrew it, when) is kept by simple-history (coordination/audit.py)."""

    enterprise = models.OneToOneField(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="recommendation_consent",
        verbose_name=_("enterprise"),
    )
    given = models.BooleanField(_("consent to be recommended"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent to be recommended")
        verbose_name_plural = _("consents to be recommended")

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.given}"


class RecommendationList(models.Model):
    code = models.SlugField(_("code"), max_length=60, help_text=_("Shared by every version of the list."))
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    title = models.CharField(_("title"), max_length=200)
    as_of = models.DateField(_("dated"), default=timezone.localdate)
    national = models.BooleanField(_("national list"), default=False)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="recommendation_lists", verbose_name=_("regions")
    )
    # The criteria the entries were drawn with, as validated (selectors/outreach_criteria.py); {} when
    # hand-picked.
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ListStatus.choices, default=ListStatus.DRAFT, editable=False
    )
    institutions = models.ManyToManyField(
        Institution,
        through="RecommendationRecipient",
        related_name="recommendation_lists",
        verbose_name=_("published to"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-as_of", "code", "-version"]
        verbose_name = _("recommendation list")
        verbose_name_plural = _("recommendation lists")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="reclist_code_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class RecommendationRecipient(models.Model):
    """A list published to one institution, with the day its follow-ups are due (the deadline sweep
    reminds the institution before it and tells the list's coordinator after it)."""

    recommendation_list = models.ForeignKey(
        RecommendationList,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("recommendation list"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="recommendation_recipients",
        verbose_name=_("institution"),
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    remind_at = models.DateTimeField(_("remind at"))
    respond_by = models.DateTimeField(_("follow-ups due"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["recommendation_list", "institution"]
        verbose_name = _("list recipient")
        verbose_name_plural = _("list recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation_list", "institution"], name="reclist_recipient_once"
            ),
        ]
        indexes = [models.Index(fields=["remind_at"], name="reclist_recipient_remind_idx")]

    def __str__(self) -> str:
        return f"{self.recommendation_list} → {self.institution}"


class RecommendationEntry(models.Model):
    recommendation_list = models.ForeignKey(
        RecommendationList,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("recommendation list"),
    )
    position = models.PositiveIntegerField(_("position"))
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="recommendation_entries",
        verbose_name=_("enterprise"),
    )
    major_task = models.ForeignKey(
        MajorTask,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendation_entries",
        verbose_name=_("major task"),
    )
    # Why it is on the list: [{"code": ..., **values}], worded at display (selectors/outreach.py).
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["recommendation_list", "position"]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation_list", "enterprise", "major_task"],
                name="reclist_entry_once",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_list} #{self.position}"


class RecommendationFollowUp(models.Model):
    """One institution's follow-up on one entry: created when it opens the entry (the disclosure), then
    moved by the institution; its history is kept (coordination/audit.py)."""

    entry = models.ForeignKey(
        RecommendationEntry, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("list entry")
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="recommendation_follow_ups",
        verbose_name=_("institution"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.OPENED,
        editable=False,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    instrument = models.CharField(_("instrument"), max_length=32, choices=Instrument.choices, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True)
    annual_rate = models.DecimalField(_("annual rate"), max_digits=7, decimal_places=4, null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    financed_on = models.DateField(_("financed on"), null=True, blank=True)
    decline_reason = models.CharField(
        _("decline reason"), max_length=32, choices=DeclineReason.choices, blank=True
    )
    note = models.TextField(_("institution's internal note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["entry", "institution"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["entry", "institution"], name="reclist_followup_once"),
            models.CheckConstraint(
                condition=~Q(status="financed")
                | (Q(amount__gt=0) & Q(financed_on__isnull=False) & ~Q(instrument="")),
                name="reclist_financed_has_terms",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="reclist_declined_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.institution}: {self.status}"
