from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lenders.models import Institution, Product, RelendingPolicy

from .scoping import GrantAdmin, ReferenceDataAdmin


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = [
        "name",
        "instrument",
        "min_amount",
        "max_amount",
        "min_term_months",
        "max_term_months",
        "is_active",
    ]
    show_change_link = True


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = [
            "name",
            "kind",
            "credit_code",
            "regions",
            "relending_eligible",
            "members",
            "managers",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        # A manager is a member with a power (coordination/services/institutions.py keeps it so too).
        outside = set(data.get("managers") or ()) - set(data.get("members") or ())
        if outside:
            self.add_error(
                "managers",
                _("Managers must be members too: %(names)s.")
                % {"names": ", ".join(sorted(user.get_username() for user in outside))},
            )
        return data


@admin.register(Institution)
class InstitutionAdmin(GrantAdmin, ReferenceDataAdmin):
    """Every coordinator reads the institutions it routes to; the first manager and every later
    change here are a superuser's (its managers keep the team elsewhere)."""

    list_display = ["name", "kind", "credit_code", "relending_eligible", "is_active"]
    list_filter = ["kind", "relending_eligible", "is_active"]
    search_fields = ["name", "credit_code"]
    filter_horizontal = ["regions"]
    autocomplete_fields = ["members", "managers"]
    form = InstitutionForm
    inlines = [ProductInline]


@admin.register(Product)
class ProductAdmin(ReferenceDataAdmin):
    list_display = [
        "name",
        "institution",
        "instrument",
        "min_amount",
        "max_amount",
        "min_term_months",
        "max_term_months",
        "capacity_left_display",
        "is_active",
    ]
    list_filter = [
        "instrument",
        "institution__kind",
        "is_active",
        "requires_tech_sme",
        "min_credit_version",
        "for_startup",
        "for_growth",
    ]
    search_fields = ["name", "institution__name"]
    autocomplete_fields = ["institution"]
    filter_horizontal = ["fields", "regions"]
    list_select_related = ["institution"]
    # Capacity in use moves only with accepted and released offers (lenders.services.capacity).
    readonly_fields = ["capacity_used"]

    @admin.display(description=_("capacity left"))
    def capacity_left_display(self, obj: Product) -> str:
        return f"{obj.capacity_left:,.2f}"


@admin.register(RelendingPolicy)
class RelendingPolicyAdmin(ReferenceDataAdmin):
    list_display = ["effective_from", "quota", "refinance_share", "rate", "note"]
