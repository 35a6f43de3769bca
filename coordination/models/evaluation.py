from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import Region


class EvaluationSnapshot(models.Model):
    """One region's evaluation figures for one calendar month (DESIGN §11), kept by beat so that large
    scopes add up a few rows per region and month instead of reading every request.

    `figures` holds additive parts (counts, sums, histograms of business days, sets of enterprise ids),
    never ratios, so that any set of regions and months combines exactly; coordination/evaluation
    turns them into indicators."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    figures = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["month", "region"]
        verbose_name = _("evaluation snapshot")
        verbose_name_plural = _("evaluation snapshots")
        constraints = [
            models.UniqueConstraint(fields=["month", "region"], name="evaluation_snapshot_per_region_month")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}"


class EvaluationMonth(models.Model):
    """That a month's snapshots were computed (a month without activity has no region rows), and when."""

    month = models.DateField(_("month"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    # Registered tech SMEs per region id at the month's computation: the stock behind tech_sme_loan_share,
    # so that a large scope does not count enterprises (a region without activity has no snapshot row).
    tech_smes = models.JSONField(_("registered tech SMEs by region"), default=dict)

    class Meta:
        ordering = ["month"]
        verbose_name = _("evaluated month")
        verbose_name_plural = _("evaluated months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
