"""The disclosure log (DESIGN §1): which institution saw which enterprise's data, who, when and what.

Rows are written by the workflow (opening a referral), by opening a recommendation list entry and by the
document download service, never edited or deleted; the applicant reads them at /sme/disclosures/.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenders.models import Institution
from projects.models import Enterprise

from .financing import AppendOnlyQuerySet, FinancingRequest, Referral, RequestDocument
from .outreach import RecommendationEntry


class DisclosureAction(models.TextChoices):
    OPEN = "open", _("Opened the referral")
    DOWNLOAD = "download", _("Downloaded a document")
    OPEN_ENTRY = "open_entry", _("Opened a recommendation list entry")


class DisclosedData(models.TextChoices):
    """The categories of the applicant's data an institution may be shown once it opens a referral."""

    PROFILE = "profile", _("Profile (name, credit code, certifications)")
    FINANCIALS = "financials", _("Yearly financials and evaluations")
    DOCUMENTS = "documents", _("Documents")


class Disclosure(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("institution")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("enterprise")
    )
    # A referral's disclosure names its request and referral; a list entry's (DESIGN §14) names the entry.
    request = models.ForeignKey(
        FinancingRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
        verbose_name=_("request"),
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
        verbose_name=_("referral"),
    )
    recommendation_entry = models.ForeignKey(
        RecommendationEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
        verbose_name=_("list entry"),
    )
    action = models.CharField(_("action"), max_length=16, choices=DisclosureAction.choices)
    categories = models.JSONField(_("data disclosed"), default=list)
    document = models.ForeignKey(
        RequestDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    # Kept as text too, so the log still names the file if the document is removed later.
    document_name = models.CharField(_("document name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        indexes = [models.Index(fields=["enterprise", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.institution} {self.action} {self.request} at {self.created_at}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Disclosures are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Disclosures are append-only.")
