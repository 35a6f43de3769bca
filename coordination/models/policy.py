"""Policy programmes (DESIGN §10): dated configuration of subsidies, risk pools and re-lending.

A programme is a (code, version): a draft is edited freely; once published a version never changes (a
change is a new version with its own window). On a given day the programme in force under a code is the
highest published version whose window holds that day, so a new version supersedes the old one from its
first day without touching it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.choices import Stage
from projects.models import MONEY, Region, TechField

from ..choices import ClaimStatus, IssuerLevel, LedgerMovement, ProgrammeKind, SimulationStatus
from ..policies.parameters import KIND_INSTRUMENTS, validated
from .financing import AppendOnlyQuerySet, MakerChecker


class PolicyProgramme(models.Model):
    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Shared by every version of the programme.")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("issuer level"), max_length=16, choices=IssuerLevel.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policy_programmes",
        verbose_name=_("region"),
        help_text=_("Empty for a national programme."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ProgrammeKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), **MONEY)
    # Eligibility: an empty list means no restriction.
    instruments = models.JSONField(_("instruments"), default=list, blank=True)
    fields = models.ManyToManyField(
        TechField, blank=True, related_name="policy_programmes", verbose_name=_("fields")
    )
    stages = models.JSONField(_("enterprise stages"), default=list, blank=True)
    requires_tech_sme = models.BooleanField(_("requires tech-SME registration"), default=False)
    min_credit_score = models.DecimalField(
        _("minimum innovation credit"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    min_credit_version = models.CharField(
        _("innovation-credit model version of the minimum"), max_length=20, blank=True
    )
    first_loan_only = models.BooleanField(_("first loan only"), default=False)
    max_amount = models.DecimalField(_("amount cap"), **MONEY, null=True, blank=True)
    parameters = models.JSONField(_("parameters of its kind"), default=dict, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("policy programme")
        verbose_name_plural = _("policy programmes")
        indexes = [models.Index(fields=["kind", "valid_from"], name="programme_kind_window_idx")]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="programme_code_version_unique"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="programme_budget_non_negative"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__lte=F("valid_until")),
                name="programme_window",
            ),
            models.CheckConstraint(
                condition=Q(min_credit_score__isnull=True)
                | (Q(min_credit_score__gte=0) & Q(min_credit_score__lte=130)),
                name="programme_min_credit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.kind:
            self.parameters, problems = validated(self.kind, self.parameters)
            if problems:
                errors["parameters"] = [f"{name}: {message}" for name, message in problems.items()]
            allowed = KIND_INSTRUMENTS.get(self.kind, ())
            wrong = [i for i in self.instruments or [] if i not in allowed]
            if wrong:
                errors["instruments"] = [
                    _("This kind applies to %(allowed)s only.") % {"allowed": ", ".join(allowed)}
                ]
        wrong_stages = [s for s in self.stages or [] if s not in Stage.values]
        if wrong_stages:
            errors["stages"] = [_("Unknown stage: %(stages)s.") % {"stages": ", ".join(wrong_stages)}]
        if self.min_credit_score is not None and not self.min_credit_version:
            errors["min_credit_version"] = [_("Name the model version the minimum is on.")]
        if (self.region_id is None) != (self.level == IssuerLevel.NATIONAL) and self.level:
            errors["region"] = [_("A national programme has no region; any other level has one.")]
        if errors:
            raise ValidationError(errors)


class ProgrammeLedgerEntry(models.Model):
    """One movement on a programme's budget. Append-only: balances are the sums of the entries, so at every
    moment budget = available + committed + paid (available = budget − committed − paid, never negative).

    commit: committed +amount; release: committed −amount; claim: records a claim on a commitment (no
    change until paid); pay: committed −amount, paid +amount; refused: what did not fit, with the reason.
    """

    programme = models.ForeignKey(
        PolicyProgramme, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("policy programme")
    )
    tranche = models.ForeignKey(
        "coordination.Tranche",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policy_ledger",
        verbose_name=_("tranche"),
    )
    # A loan financed from a recommendation list (DESIGN §14) has no tranche: its follow-up stands for it.
    follow_up = models.ForeignKey(
        "coordination.RecommendationFollowUp",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policy_ledger",
        verbose_name=_("list follow-up"),
    )
    movement = models.CharField(_("movement"), max_length=16, choices=LedgerMovement.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    committed_change = models.DecimalField(_("change in committed"), **MONEY, default=0)
    paid_change = models.DecimalField(_("change in paid"), **MONEY, default=0)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "created_at", "id"]
        verbose_name = _("programme ledger entry")
        verbose_name_plural = _("programme ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="ledger_amount_non_negative"),
            models.CheckConstraint(condition=Q(paid_change__gte=0), name="ledger_paid_never_returned"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.movement} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Ledger entries are append-only.")


class PolicySimulation(models.Model):
    """A coordinator's replay of a programme, with changed terms, over a past window (DESIGN §10): run by a
    Celery task that moves `progress`; `result` holds the changed copy's figures beside the version's."""

    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="policy_simulations",
        verbose_name=_("coordinator"),
    )
    programme = models.ForeignKey(
        PolicyProgramme,
        on_delete=models.CASCADE,
        related_name="simulations",
        verbose_name=_("policy programme"),
    )
    changes = models.JSONField(_("changed terms"), default=dict, blank=True)
    window_from = models.DateField(_("window from"))
    window_until = models.DateField(_("window until"))
    status = models.CharField(
        _("status"), max_length=16, choices=SimulationStatus.choices, default=SimulationStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("policy simulation")
        verbose_name_plural = _("policy simulations")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="simulation_progress_percent"),
            models.CheckConstraint(condition=Q(window_from__lte=F("window_until")), name="simulation_window"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.window_from}–{self.window_until}"


class LossClaim(MakerChecker):
    """A default on a risk-compensated tranche, reported by the institution that funded it, and its claim on
    the pool (DESIGN §10): reported → approved → paid, or rejected. Its status moves only through the
    workflow engine; the ledger's claim and pay entries are the transitions' effects."""

    request = models.ForeignKey(
        "coordination.FinancingRequest",
        on_delete=models.PROTECT,
        related_name="loss_claims",
        verbose_name=_("financing request"),
    )
    tranche = models.ForeignKey(
        "coordination.Tranche",
        on_delete=models.PROTECT,
        related_name="loss_claims",
        verbose_name=_("tranche"),
    )
    institution = models.ForeignKey(
        "lenders.Institution",
        on_delete=models.PROTECT,
        related_name="loss_claims",
        verbose_name=_("institution"),
    )
    programme = models.ForeignKey(
        PolicyProgramme,
        on_delete=models.PROTECT,
        related_name="loss_claims",
        verbose_name=_("policy programme"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED, editable=False
    )
    version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("version"))
    loss = models.DecimalField(_("principal lost"), **MONEY)
    defaulted_on = models.DateField(_("defaulted on"))
    note = models.TextField(_("note"), blank=True)
    # What the pool owes within its caps: computed at the report, fixed by the ledger's claim at approval.
    amount = models.DecimalField(_("claim amount"), **MONEY, editable=False)
    # At or above the national threshold, or on an escalated request: two national coordinators approve.
    escalated = models.BooleanField(_("escalated to national level"), default=False, editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("loss claim")
        verbose_name_plural = _("loss claims")
        constraints = [
            models.CheckConstraint(condition=Q(loss__gt=0), name="loss_claim_loss_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="loss_claim_amount_non_negative"),
            # One live claim per tranche and pool; a rejected one may be reported again.
            models.UniqueConstraint(
                fields=["tranche", "programme"],
                condition=~Q(status=ClaimStatus.REJECTED),
                name="loss_claim_one_live_per_pool",
            ),
        ]

    def __str__(self) -> str:
        return _("loss claim %(id)s on %(tranche)s") % {"id": self.pk, "tranche": self.tranche}
