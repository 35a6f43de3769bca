"""What every admin page may show and change (DESIGN.md §1): the building blocks of all three apps' admins.

A non-superuser sees the rows the selectors give them (the same functions as the API) and nothing
else: an out-of-scope change or history page is a 404. Grants — coordinator scopes, memberships,
tokens, webhook subscriptions — are written by superusers only, whatever permissions a group holds.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


class ScopedAdmin(admin.ModelAdmin):
    """Superusers see everything; everyone else what the selectors let them see; the rest is a 404."""

    def scope(self, queryset: QuerySet, user) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else self.scope(queryset, request.user)

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through their services (the workflow, the relay): nobody edits them here."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AuditedAdmin(SimpleHistoryAdmin, ScopedAdmin):
    """The history page (who, when, before → after) of a row the user may see; another's is a 404."""

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        self.get_object(request, unquote(object_id))  # simple-history would fall back to deleted rows
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None):
        self.get_object(request, unquote(object_id))
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReferenceDataAdmin(AuditedAdmin):
    """Shared reference data and configuration (regions, fields, institutions' products, calendars):
    every staff user with the view permission reads all of it; changing it takes the model permission,
    which the coordinators' group does not hold."""

    def scope(self, queryset: QuerySet, user) -> QuerySet:
        return queryset


class GrantAdmin(AuditedAdmin):
    """A row that carries a power (a scope, a membership, a token, a webhook): superusers only write it."""

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser
