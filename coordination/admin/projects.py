from decimal import Decimal

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config.forms import JSON_FORM_FIELDS
from coordination import selectors
from projects.credits import services as credit_services
from projects.credits.choices import IndicatorGroup
from projects.credits.selectors import with_current_credit
from projects.domain.size_class import SIZE_LABELS
from projects.evaluation import evaluate_year, size_class_for_year
from projects.models import (
    CreditIndicator,
    CreditModel,
    Enterprise,
    EnterpriseFinancials,
    InnovationCreditScore,
    MajorTask,
    Region,
    TechField,
)

from .display import tech_sme_lines
from .scoping import GrantAdmin, ReferenceDataAdmin, ScopedAdmin


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "parent", "pilot_zone", "innovation_center"]
    list_filter = ["pilot_zone", "innovation_center"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]


@admin.register(TechField)
class TechFieldAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "parent", "hard_tech"]
    list_filter = ["hard_tech", "parent"]
    search_fields = ["code", "name", "name_en"]


class FinancialsInline(admin.TabularInline):
    model = EnterpriseFinancials
    extra = 0
    fields = [
        "year",
        "revenue",
        "total_assets",
        "total_costs",
        "rnd_expense",
        "staff",
        "st_staff",
        "invention_patents",
        "other_class_i_ip",
        "class_ii_ip",
        "size_class",
        "tech_sme_evaluation",
    ]
    readonly_fields = ["size_class", "tech_sme_evaluation"]

    @admin.display(description=_("size class"))
    def size_class(self, obj: EnterpriseFinancials) -> str:
        return SIZE_LABELS[size_class_for_year(obj)] if obj.pk else "—"

    @admin.display(description=_("tech-SME evaluation"))
    def tech_sme_evaluation(self, obj: EnterpriseFinancials) -> str:
        if not obj.pk:
            return "—"
        parts = tech_sme_lines(evaluate_year(obj).as_dict())
        return format_html_join("", "<div>{}</div>", ((p,) for p in parts))


@admin.register(Enterprise)
class EnterpriseAdmin(GrantAdmin):
    """Its members are a grant (DESIGN.md §1): changed by a superuser here, by its managers elsewhere."""

    list_display = [
        "name",
        "credit_code",
        "region",
        "stage",
        "industry",
        "employees",
        "specialised_status",
        "current_credit",
    ]
    list_filter = [
        "stage",
        "industry",
        "specialised_status",
        "region__innovation_center",
        "region__pilot_zone",
        "fields",
    ]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region", "members"]
    filter_horizontal = ["fields"]
    list_select_related = ["region"]
    inlines = [FinancialsInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "credit_code",
                    "name",
                    "region",
                    "fields",
                    "founded_on",
                    "stage",
                    "industry",
                    "employees",
                ]
            },
        ),
        (
            _("Certifications"),
            {
                "fields": [
                    "high_tech_certificate_no",
                    "high_tech_valid_until",
                    "tech_sme_registration_no",
                    "tech_sme_registration_year",
                    "specialised_status",
                    "national_award_year",
                    "provincial_rnd_institution",
                    "led_standard_year",
                ]
            },
        ),
        (_("Basic conditions"), {"fields": ["registered_in_mainland", "serious_dishonesty"]}),
        (_("Members"), {"fields": ["members"]}),
    ]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.enterprises_visible_to(user).values("pk"))

    def get_queryset(self, request):
        return with_current_credit(super().get_queryset(request))

    @admin.display(description=_("current innovation credit"), ordering="current_credit")
    def current_credit(self, obj: Enterprise) -> Decimal | None:
        return obj.current_credit


@admin.register(MajorTask)
class MajorTaskAdmin(ScopedAdmin):
    list_display = ["code", "title", "level", "field", "lead_enterprise", "budget", "financing_gap"]
    list_filter = ["level", "field"]
    search_fields = ["code", "title", "lead_enterprise__name"]
    autocomplete_fields = ["lead_enterprise", "participants", "field"]
    list_select_related = ["field", "lead_enterprise"]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.major_tasks_visible_to(user).values("pk"))


# ----------------------------------------------------------------------------------------------
# Innovation credits: drafts are edited here and published; a published version is read-only.


class CreditIndicatorInline(admin.TabularInline):
    model = CreditIndicator
    formfield_overrides = {models.JSONField: JSON_FORM_FIELDS}
    extra = 0
    fields = [
        "position",
        "code",
        "name",
        "group",
        "metric",
        "curve",
        "params",
        "weight_startup",
        "weight_growth",
        "weight_stable",
        "bonus",
        "rationale",
    ]

    def _editable(self, obj) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(CreditModel)
class CreditModelAdmin(ReferenceDataAdmin):
    list_display = ["version", "name", "status", "published_at", "indicator_count", "short_fingerprint"]
    list_filter = ["status"]
    search_fields = ["version", "name"]
    inlines = [CreditIndicatorInline]
    actions = ["publish", "clone_as_draft"]
    readonly_fields = ["status", "based_on", "published_at", "fingerprint", "weights_summary"]
    fields = ["version", "name", "description", "bonus_cap", *readonly_fields]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_indicators=Count("indicators"))

    @admin.display(description=_("indicators"), ordering="_indicators")
    def indicator_count(self, obj: CreditModel) -> int:
        return obj._indicators

    @admin.display(description=_("fingerprint"))
    def short_fingerprint(self, obj: CreditModel) -> str:
        return obj.fingerprint[:12] or "—"

    @admin.display(description=_("weights per stage and group"))
    def weights_summary(self, obj: CreditModel):
        if obj.pk is None:
            return "—"
        indicators = list(obj.indicators.all())
        base = [i for i in indicators if not i.bonus]
        # The groups this version's base uses (the 2024 trial version's three, 2.0's three of four).
        groups = [g for g in IndicatorGroup if any(i.group == g for i in base)]
        rows = []
        for stage, label in (("startup", _("start-up")), ("growth", _("growth")), ("stable", _("stable"))):
            per_group = [sum((i.weight_for(stage) for i in base if i.group == g), Decimal(0)) for g in groups]
            total = sum(per_group, Decimal(0))
            flag = "" if total == 100 else " ⚠"
            bonus = sum((i.weight_for(stage) for i in indicators if i.bonus), Decimal(0))
            cells = [label, *per_group, f"{total}{flag}", bonus]
            rows.append(format_html_join("", "<td>{}</td>", ((cell,) for cell in cells)))
        header = format_html_join("", "<th>{}</th>", ((g.label,) for g in groups))
        return format_html(
            "<table><tr><th></th>{}<th>{}</th><th>{}</th></tr>{}</table>",
            header,
            _("total"),
            _("bonus items (capped at %(cap)s)") % {"cap": obj.bonus_cap},
            format_html_join("", "<tr>{}</tr>", ((row,) for row in rows)),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [*self.fields]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Publish the selected drafts (they never change again)"))
    def publish(self, request, queryset):
        for model in queryset.order_by("pk"):
            if model.is_published:
                self.message_user(request, _("%s is already published.") % model.version, messages.WARNING)
                continue
            try:
                credit_services.publish_model(model_id=model.pk)
            except credit_services.CreditModelError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Published %s.") % model.version, messages.SUCCESS)

    @admin.action(description=_("Copy the selected versions into new drafts"))
    def clone_as_draft(self, request, queryset):
        for model in queryset.order_by("pk"):
            draft = credit_services.clone_model(model_id=model.pk)
            self.message_user(
                request,
                _("Draft %(new)s created from %(old)s.") % {"new": draft.version, "old": model.version},
            )


@admin.register(InnovationCreditScore)
class InnovationCreditScoreAdmin(ScopedAdmin):
    list_display = ["enterprise", "year", "model", "stage", "total", "percentile", "cohort", "cohort_size"]
    list_filter = ["model", "year", "stage"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "cohort"]
    list_select_related = ["enterprise", "model"]
    fields = [
        "enterprise",
        "model",
        "year",
        "stage",
        "cohort",
        "total",
        "tech_innovation",
        "growth_operations",
        "auxiliary",
        "groups",
        "bonus",
        "percentile",
        "cohort_size",
        "breakdown_table",
        "model_fingerprint",
        "computed_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("breakdown"))
    def breakdown_table(self, obj: InnovationCreditScore):
        rows = [
            (
                line["name"],
                line["value"] if not line.get("no_data") else _("no data"),
                line["points"],
                line["weight"],
                line["contribution"],
            )
            for line in obj.breakdown
        ]
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("indicator"),
            _("value"),
            _("points (0–100)"),
            _("weight"),
            _("contribution"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.credit_scores_visible_to(user).values("pk"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
