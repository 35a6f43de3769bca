from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from projects.choices import Stage
from projects.credits.choices import TRIAL_2024
from projects.credits.validators import validate_published_version
from projects.models import MONEY, Region, TechField
from projects.validators import validate_credit_code

from .choices import INSTRUMENTS_BY_KIND, InstitutionKind, Instrument

RATE = {"max_digits": 7, "decimal_places": 4}


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=InstitutionKind.choices)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="institutions",
        verbose_name=_("regions served"),
        help_text=_("None means nationwide."),
    )
    relending_eligible = models.BooleanField(_("eligible for sci-tech re-lending"), default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="institutions", verbose_name=_("members")
    )
    # DESIGN §1: who keeps the team and the catalogue. Always a subset of `members` (the team's services keep
    # it so); the first is appointed by a superuser in the admin.
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_institutions",
        verbose_name=_("managers"),
        help_text=_("Members who add and remove the institution's members and keep its products."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A financing product; its ranges and eligibility are the matcher's hard filters."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="products", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=200)
    instrument = models.CharField(_("instrument"), max_length=32, choices=Instrument.choices)
    min_amount = models.DecimalField(_("minimum amount"), **MONEY)
    max_amount = models.DecimalField(_("maximum amount"), **MONEY)
    min_term_months = models.PositiveSmallIntegerField(_("minimum term (months)"))
    max_term_months = models.PositiveSmallIntegerField(_("maximum term (months)"))
    fields = models.ManyToManyField(
        TechField,
        blank=True,
        related_name="products",
        verbose_name=_("eligible fields"),
        help_text=_("None means every field."),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="products",
        verbose_name=_("eligible regions"),
        help_text=_("None means wherever the institution serves."),
    )
    for_startup = models.BooleanField(_("start-up stage"), default=True)
    for_growth = models.BooleanField(_("growth stage"), default=True)
    for_stable = models.BooleanField(_("stable stage"), default=True)
    min_credit_score = models.DecimalField(
        _("minimum innovation credit score"), max_digits=5, decimal_places=2, default=0
    )
    min_credit_version = models.CharField(
        _("innovation credit version of the minimum"),
        max_length=20,
        default=TRIAL_2024,
        validators=[validate_published_version],
        help_text=_("The innovation-credit model version the minimum score is measured on."),
    )
    requires_tech_sme = models.BooleanField(_("requires tech-SME registration"), default=False)
    rate_min = models.DecimalField(_("indicative rate, from (annual)"), **RATE, null=True, blank=True)
    rate_max = models.DecimalField(_("indicative rate, to (annual)"), **RATE, null=True, blank=True)
    stake_min = models.DecimalField(_("stake, from"), **RATE, null=True, blank=True)
    stake_max = models.DecimalField(_("stake, to"), **RATE, null=True, blank=True)
    yearly_capacity = models.DecimalField(_("yearly capacity"), **MONEY)
    capacity_used = models.DecimalField(_("capacity used"), **MONEY, default=Decimal("0"))
    active_from = models.DateField(_("active from"))
    active_until = models.DateField(_("active until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["institution", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            # The matcher's hard filters start here: active products of one instrument whose amount
            # range holds the tranche (coordination/matching/eligibility.py); inactive rows stay out.
            models.Index(
                fields=["instrument", "min_amount", "max_amount"],
                condition=Q(is_active=True),
                name="product_active_match_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(min_amount__gt=0), name="product_min_amount_positive"),
            models.CheckConstraint(condition=Q(min_amount__lte=F("max_amount")), name="product_amount_range"),
            models.CheckConstraint(condition=Q(min_term_months__gt=0), name="product_min_term_positive"),
            models.CheckConstraint(
                condition=Q(min_term_months__lte=F("max_term_months")), name="product_term_range"
            ),
            models.CheckConstraint(
                condition=Q(rate_min__isnull=True)
                | Q(rate_max__isnull=True)
                | Q(rate_min__lte=F("rate_max")),
                name="product_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(stake_min__isnull=True)
                | Q(stake_max__isnull=True)
                | Q(stake_min__lte=F("stake_max")),
                name="product_stake_range",
            ),
            models.CheckConstraint(condition=Q(yearly_capacity__gt=0), name="product_capacity_positive"),
            models.CheckConstraint(
                condition=Q(capacity_used__gte=0) & Q(capacity_used__lte=F("yearly_capacity")),
                name="product_capacity_used_within",
            ),
            models.CheckConstraint(
                condition=Q(min_credit_score__gte=0) & Q(min_credit_score__lte=100),
                name="product_min_score_range",
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True) | Q(active_from__lte=F("active_until")),
                name="product_active_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} — {self.name}"

    def clean(self) -> None:
        if self.institution_id and self.instrument not in INSTRUMENTS_BY_KIND[self.institution.kind]:
            raise ValidationError(
                {
                    "instrument": _("A %(kind)s does not offer this instrument.")
                    % {"kind": self.institution.get_kind_display()}
                }
            )

    @property
    def capacity_left(self) -> Decimal:
        return self.yearly_capacity - self.capacity_used

    def serves_stage(self, stage: str) -> bool:
        return getattr(self, STAGE_FLAGS[stage])


STAGE_FLAGS = {Stage.STARTUP: "for_startup", Stage.GROWTH: "for_growth", Stage.STABLE: "for_stable"}


class RelendingPolicy(models.Model):
    """Dated configuration of the central bank's sci-tech re-lending facility."""

    effective_from = models.DateField(_("effective from"), unique=True)
    quota = models.DecimalField(_("quota (yuan)"), max_digits=20, decimal_places=2)
    refinance_share = models.DecimalField(_("share of principal refinanced"), max_digits=5, decimal_places=4)
    rate = models.DecimalField(_("re-lending rate"), **RATE)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("re-lending policy")
        verbose_name_plural = _("re-lending policies")
        constraints = [
            models.CheckConstraint(condition=Q(quota__gt=0), name="relending_quota_positive"),
            models.CheckConstraint(
                condition=Q(refinance_share__gt=0) & Q(refinance_share__lte=1), name="relending_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.quota:,.0f}"
