from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import Industry, InnovationCenter, SpecialisedStatus, Stage, TaskLevel
from .validators import validate_credit_code, validate_region_code

MONEY = {"max_digits": 18, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Region(models.Model):
    """An administrative division identified by its GB/T 2260 six-digit code."""

    code = models.CharField(_("GB/T 2260 code"), max_length=6, unique=True, validators=[validate_region_code])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    pilot_zone = models.BooleanField(_("S&T finance pilot zone"), default=False)
    innovation_center = models.CharField(
        _("international innovation centre"), max_length=16, choices=InnovationCenter.choices, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TechField(models.Model):
    """A key science-and-technology field; a small tree."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    hard_tech = models.BooleanField(_("hard technology"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("technology field")
        verbose_name_plural = _("technology fields")

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("region")
    )
    fields = models.ManyToManyField(
        TechField, blank=True, related_name="enterprises", verbose_name=_("fields")
    )
    founded_on = models.DateField(_("founded on"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    industry = models.CharField(_("industry"), max_length=16, choices=Industry.choices)
    employees = models.PositiveIntegerField(_("employees"))
    registered_in_mainland = models.BooleanField(_("registered in the mainland"), default=True)
    serious_dishonesty = models.BooleanField(_("serious dishonesty record"), default=False)
    high_tech_certificate_no = models.CharField(
        _("high-tech enterprise certificate no."), max_length=40, blank=True
    )
    high_tech_valid_until = models.DateField(_("high-tech certificate valid until"), null=True, blank=True)
    tech_sme_registration_no = models.CharField(_("tech-SME registration no."), max_length=40, blank=True)
    tech_sme_registration_year = models.PositiveSmallIntegerField(
        _("tech-SME registration year"), null=True, blank=True
    )
    specialised_status = models.CharField(
        _("specialised, refined, distinctive and novel"),
        max_length=16,
        choices=SpecialisedStatus.choices,
        default=SpecialisedStatus.NONE,
    )
    national_award_year = models.PositiveSmallIntegerField(
        _("national S&T award year"), null=True, blank=True
    )
    provincial_rnd_institution = models.BooleanField(_("provincial-level R&D institution"), default=False)
    led_standard_year = models.PositiveSmallIntegerField(_("led a standard (year)"), null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="enterprises", verbose_name=_("members")
    )
    # DESIGN §1: who may let others join and keep the enterprise's figures. Always a subset of `members`
    # (coordination/services/enterprise_onboarding.py keeps it so); the user who registers the enterprise
    # is its first.
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_enterprises",
        verbose_name=_("managers"),
        help_text=_("Members who approve requests to join and keep the yearly financials."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [models.Index(fields=["region", "stage"])]

    def __str__(self) -> str:
        return self.name


class EnterpriseFinancials(models.Model):
    """One enterprise's figures for one fiscal year (yuan)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="financials", verbose_name=_("enterprise")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revenue = models.DecimalField(_("revenue"), **MONEY, validators=NON_NEGATIVE)
    total_assets = models.DecimalField(_("total assets"), **MONEY, validators=NON_NEGATIVE)
    total_costs = models.DecimalField(_("total costs"), **MONEY, validators=NON_NEGATIVE)
    rnd_expense = models.DecimalField(_("R&D expense"), **MONEY, validators=NON_NEGATIVE)
    staff = models.PositiveIntegerField(_("staff"))
    st_staff = models.PositiveIntegerField(_("S&T staff"))
    invention_patents = models.PositiveIntegerField(_("invention patents"), default=0)
    other_class_i_ip = models.PositiveIntegerField(
        _("other class-I IP"),
        default=0,
        help_text=_("Plant varieties, national new drugs, IC layout designs…"),
    )
    class_ii_ip = models.PositiveIntegerField(
        _("class-II IP"), default=0, help_text=_("Utility models, designs, software copyrights")
    )
    tech_contract_turnover = models.DecimalField(
        _("technology-contract turnover"), **MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )
    vc_received = models.DecimalField(
        _("venture capital received"), **MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )

    class Meta:
        ordering = ["enterprise", "-year"]
        verbose_name = _("yearly financials")
        verbose_name_plural = _("yearly financials")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="financials_one_row_per_year"),
            models.CheckConstraint(
                condition=Q(revenue__gte=0)
                & Q(total_assets__gte=0)
                & Q(total_costs__gte=0)
                & Q(rnd_expense__gte=0)
                & Q(tech_contract_turnover__gte=0)
                & Q(vc_received__gte=0),
                name="financials_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(st_staff__lte=F("staff")), name="financials_st_staff_within_staff"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"

    @property
    def class_i_ip(self) -> int:
        return self.invention_patents + self.other_class_i_ip


class MajorTask(models.Model):
    """A national or provincial major S&T task whose financing gap the mechanism must fill."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    field = models.ForeignKey(
        TechField, on_delete=models.PROTECT, related_name="major_tasks", verbose_name=_("field")
    )
    level = models.CharField(_("level"), max_length=16, choices=TaskLevel.choices)
    lead_enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("lead enterprise")
    )
    participants = models.ManyToManyField(
        Enterprise, blank=True, related_name="participating_tasks", verbose_name=_("participants")
    )
    budget = models.DecimalField(_("total budget"), **MONEY)
    fiscal_funding = models.DecimalField(_("fiscal funding"), **MONEY, default=Decimal("0"))
    financing_gap = models.DecimalField(_("financing gap"), **MONEY)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("major S&T task")
        verbose_name_plural = _("major S&T tasks")
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="majortask_budget_positive"),
            models.CheckConstraint(condition=Q(fiscal_funding__gte=0), name="majortask_fiscal_non_negative"),
            models.CheckConstraint(condition=Q(financing_gap__gte=0), name="majortask_gap_non_negative"),
            models.CheckConstraint(
                condition=Q(fiscal_funding__lte=F("budget")), name="majortask_fiscal_within_budget"
            ),
            models.CheckConstraint(
                condition=Q(financing_gap__lte=F("budget") - F("fiscal_funding")),
                name="majortask_gap_within_unfunded_budget",
            ),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="majortask_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_national(self) -> bool:
        return self.level == TaskLevel.NATIONAL


from .models_credits import *  # noqa: E402,F401,F403
