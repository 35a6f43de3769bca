from django.contrib import admin

from .. import selectors
from ..models import (
    CoordinatorScope,
)
from .scoping import GrantAdmin


@admin.register(CoordinatorScope)
class CoordinatorScopeAdmin(GrantAdmin):
    """Granted by a superuser (DESIGN.md §1); a coordinator reads its own scope and its history here."""

    list_display = ["user", "national"]
    list_filter = ["national"]
    search_fields = ["user__username"]
    filter_horizontal = ["regions"]
    autocomplete_fields = ["user"]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.coordinator_scopes_visible_to(user).values("pk"))
