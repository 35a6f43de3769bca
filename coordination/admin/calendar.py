from django.contrib import admin
from django.http import HttpRequest

from .. import selectors
from ..models import (
    Holiday,
    ServiceLevel,
)
from .scoping import ReferenceDataAdmin


@admin.register(ServiceLevel)
class ServiceLevelAdmin(ReferenceDataAdmin):
    """Everyone reads the service levels; a coordinator sets those of its own regions (the defaults
    without a region are a national coordinator's), a superuser any."""

    list_display = ["stage", "region", "business_days", "remind_days_before"]
    list_filter = ["stage"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]

    def _governs(self, request: HttpRequest, obj: ServiceLevel | None) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return selectors.coordinator_scope(request.user) is not None
        return selectors.governs_region(request.user, obj.region)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and self._governs(request, None)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._governs(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._governs(request, obj)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "region" and not request.user.is_superuser:
            kwargs["queryset"] = selectors.regions_governed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "region" in form.base_fields and not request.user.is_superuser:
            form.base_fields["region"].required = not selectors.governs_region(request.user, None)
        return form


@admin.register(Holiday)
class HolidayAdmin(ReferenceDataAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"
