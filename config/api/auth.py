from django.conf import settings
from rest_framework import permissions


class DocsAccess(permissions.BasePermission):
    """The schema and Swagger UI: anyone while settings.API_DOCS_PUBLIC is on (read per request, so the
    setting can change without a restart of the views), otherwise signed-in users only."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)
