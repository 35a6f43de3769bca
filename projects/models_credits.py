"""Innovation credits (创新积分) as data: model versions, their indicators, and yearly scores.

A version is edited as a draft and then published; a published version never changes again (its
indicators and weights refuse `save()` and `delete()`, and queryset updates and deletes that would
touch them). Scores name the version they were computed under, so a score stays reproducible when a
later version is published. See docs/innovation-credits.md.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.api.domain_errors import Conflict

from .choices import Stage
from .credits.choices import Curve, IndicatorGroup, Metric, ModelStatus
from .credits.scoring import IndicatorSpec, Scorer

WEIGHT = {"max_digits": 5, "decimal_places": 2, "default": Decimal("0")}
WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
SCORE = {"max_digits": 5, "decimal_places": 2}
BASE_POINTS = Decimal("100")
# A version's bonus items add at most its bonus cap (2.0: 30) to the 100-point base; no cap may pass this.
MAX_BONUS_CAP = Decimal("100")
MAX_TOTAL = BASE_POINTS + MAX_BONUS_CAP

__all__ = ["CreditIndicator", "CreditModel", "InnovationCreditScore", "PublishedModelImmutable"]


class PublishedModelImmutable(Conflict, PermissionError):
    """A published innovation-credit model version, or part of it, was about to change."""

    code = "published_model_immutable"


class CreditModelQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ModelStatus.PUBLISHED)

    def current(self):
        """The version new scores are computed under: the most recently published one."""
        return self.published().order_by("-published_at", "-id").first()

    def update(self, **kwargs):
        # Publishing is the one update a published row may see: status draft -> published, filtered on draft.
        if self.filter(status=ModelStatus.PUBLISHED).exists():
            raise PublishedModelImmutable("A published innovation-credit model never changes.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=ModelStatus.PUBLISHED).exists():
            raise PublishedModelImmutable("A published innovation-credit model is never deleted.")
        return super().delete()


class CreditModel(models.Model):
    """One version of the innovation-credit scoring model."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ModelStatus.choices, default=ModelStatus.DRAFT, editable=False
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("based on"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("SHA-256 of the indicators, curves and weights as published."),
    )
    bonus_cap = models.DecimalField(
        _("bonus cap"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_BONUS_CAP)],
        help_text=_("The most the bonus items add on top of the 100-point base (2.0: 30)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CreditModelQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("innovation credit model")
        verbose_name_plural = _("innovation credit models")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="creditmodel_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(bonus_cap__gte=0) & Q(bonus_cap__lte=MAX_BONUS_CAP),
                name="creditmodel_bonus_cap_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.name} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and CreditModel.objects.filter(pk=self.pk, status=ModelStatus.PUBLISHED).exists()
        ):
            raise PublishedModelImmutable(f"Model {self.version} is published and never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if (
            self.pk is not None
            and CreditModel.objects.filter(pk=self.pk, status=ModelStatus.PUBLISHED).exists()
        ):
            raise PublishedModelImmutable(f"Model {self.version} is published and is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == ModelStatus.PUBLISHED

    @property
    def maximum(self) -> Decimal:
        """The highest score of this version: the 100-point base plus its bonus cap."""
        return BASE_POINTS + self.bonus_cap

    def specs(self) -> list[IndicatorSpec]:
        return [indicator.spec() for indicator in self.indicators.all()]

    def scorer(self) -> Scorer:
        return Scorer(self.specs(), self.bonus_cap)


class IndicatorQuerySet(models.QuerySet):
    def _guard(self) -> None:
        if self.filter(model__status=ModelStatus.PUBLISHED).exists():
            raise PublishedModelImmutable("Indicators of a published innovation-credit model never change.")

    def update(self, **kwargs):
        self._guard()
        return super().update(**kwargs)

    def delete(self):
        self._guard()
        return super().delete()


class CreditIndicator(models.Model):
    """One indicator of a model version: what it measures, its curve and its weight at each stage."""

    model = models.ForeignKey(
        CreditModel, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("model")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    group = models.CharField(_("group"), max_length=30, choices=IndicatorGroup.choices)
    metric = models.CharField(_("measures"), max_length=40, choices=Metric.choices)
    curve = models.CharField(_("curve"), max_length=10, choices=Curve.choices)
    params = models.JSONField(_("curve parameters"), default=dict, blank=True)
    weight_startup = models.DecimalField(_("weight, start-up"), **WEIGHT, validators=WEIGHT_VALIDATORS)
    weight_growth = models.DecimalField(_("weight, growth"), **WEIGHT, validators=WEIGHT_VALIDATORS)
    weight_stable = models.DecimalField(_("weight, stable"), **WEIGHT, validators=WEIGHT_VALIDATORS)
    bonus = models.BooleanField(
        _("bonus item"),
        default=False,
        help_text=_("Scored on top of the 100-point base, within the model's bonus cap."),
    )
    rationale = models.TextField(_("why"), blank=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["model", "position", "id"]
        verbose_name = _("innovation credit indicator")
        verbose_name_plural = _("innovation credit indicators")
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="creditindicator_code_per_model"),
            models.CheckConstraint(
                condition=Q(weight_startup__gte=0, weight_startup__lte=100)
                & Q(weight_growth__gte=0, weight_growth__lte=100)
                & Q(weight_stable__gte=0, weight_stable__lte=100),
                name="creditindicator_weights_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.model.version})"

    def save(self, *args, **kwargs):
        if self._model_published():
            raise PublishedModelImmutable("Indicators of a published innovation-credit model never change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._model_published():
            raise PublishedModelImmutable("Indicators of a published innovation-credit model never change.")
        return super().delete(*args, **kwargs)

    def _model_published(self) -> bool:
        model_ids = {self.model_id}
        if self.pk is not None:
            stored = CreditIndicator.objects.filter(pk=self.pk).values_list("model_id", flat=True).first()
            if stored is not None:
                model_ids.add(stored)
        return CreditModel.objects.filter(pk__in=model_ids, status=ModelStatus.PUBLISHED).exists()

    def weight_for(self, stage: str) -> Decimal:
        return {
            Stage.STARTUP: self.weight_startup,
            Stage.GROWTH: self.weight_growth,
            Stage.STABLE: self.weight_stable,
        }[stage]

    def spec(self) -> IndicatorSpec:
        return IndicatorSpec(
            code=self.code,
            name=self.name,
            group=self.group,
            metric=self.metric,
            curve=self.curve,
            params=self.params,
            weights={
                Stage.STARTUP.value: self.weight_startup,
                Stage.GROWTH.value: self.weight_growth,
                Stage.STABLE.value: self.weight_stable,
            },
            bonus=self.bonus,
        )


class InnovationCreditScore(models.Model):
    """An enterprise's score for one fiscal year under one published model version."""

    enterprise = models.ForeignKey(
        "projects.Enterprise",
        on_delete=models.CASCADE,
        related_name="credit_scores",
        verbose_name=_("enterprise"),
    )
    model = models.ForeignKey(
        CreditModel, on_delete=models.PROTECT, related_name="scores", verbose_name=_("model")
    )
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    cohort = models.CharField(
        _("cohort"),
        max_length=40,
        help_text=_("Province (GB/T 2260 two-digit prefix) × stage, e.g. 310000:growth"),
    )
    total = models.DecimalField(
        _("score"), **SCORE, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_TOTAL)]
    )
    # The 2024 trial version's three groups; a version of another shape leaves them at 0 and fills `groups`.
    tech_innovation = models.DecimalField(_("technology innovation"), **SCORE)
    growth_operations = models.DecimalField(_("growth and operations"), **SCORE)
    auxiliary = models.DecimalField(_("auxiliary"), **SCORE)
    groups = models.JSONField(
        _("group subtotals"), default=dict, blank=True, help_text=_("The base points by indicator group.")
    )
    bonus = models.DecimalField(
        _("bonus"), **SCORE, default=Decimal("0"), help_text=_("The bonus items' points, within the cap.")
    )
    breakdown = models.JSONField(_("breakdown"), default=list)
    inputs = models.JSONField(
        _("inputs"), default=dict, help_text=_("The metric values the score was computed from.")
    )
    model_fingerprint = models.CharField(_("model fingerprint"), max_length=64)
    percentile = models.DecimalField(_("percentile in cohort"), **SCORE, null=True, blank=True)
    cohort_size = models.PositiveIntegerField(_("cohort size"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["enterprise", "-year", "-model_id"]
        verbose_name = _("innovation credit score")
        verbose_name_plural = _("innovation credit scores")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "model", "year"], name="creditscore_one_per_year"),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(total__lte=MAX_TOTAL), name="creditscore_total_range"
            ),
            models.CheckConstraint(
                condition=Q(percentile__isnull=True) | (Q(percentile__gte=0) & Q(percentile__lte=100)),
                name="creditscore_percentile_range",
            ),
        ]
        indexes = [
            models.Index(fields=["model", "year", "cohort"], name="creditscore_cohort_idx"),
            models.Index(fields=["enterprise", "-year"], name="creditscore_enterprise_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}: {self.total} ({self.model.version})"
