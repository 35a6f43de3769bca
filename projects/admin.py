from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .domain.size_class import SIZE_LABELS
from .evaluation import evaluate_year, size_class_for_year
from .models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "pilot_zone", "innovation_center"]
    list_filter = ["pilot_zone", "innovation_center"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]


@admin.register(TechField)
class TechFieldAdmin(admin.ModelAdmin):
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
        result = evaluate_year(obj)
        verdict = _("qualified") if result.qualified else _("not qualified")
        parts = [
            f"{verdict}: {result.total}/100 (staff {result.staff_score}, R&D {result.rnd_score} "
            f"by {result.rnd_basis}, IP {result.ip_score})"
        ]
        if result.direct_qualification:
            parts.append(_("direct: %s") % ", ".join(result.direct_qualification))
        parts.extend(result.basic_condition_failures)
        return format_html_join("", "<div>{}</div>", ((p,) for p in parts))


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "region", "stage", "industry", "employees", "specialised_status"]
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


@admin.register(MajorTask)
class MajorTaskAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "level", "field", "lead_enterprise", "budget", "financing_gap"]
    list_filter = ["level", "field"]
    search_fields = ["code", "title", "lead_enterprise__name"]
    autocomplete_fields = ["lead_enterprise", "participants", "field"]
    list_select_related = ["field", "lead_enterprise"]
