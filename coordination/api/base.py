from typing import Any

from rest_framework import viewsets
from rest_framework.pagination import CursorPagination

from .. import selectors
from .idempotency import IdempotentPostMixin


class NewestFirstCursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


class CodeCursor(CursorPagination):
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = ("code",)


class IdCursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("id",)


class ReadOnlyViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    pass


class GenericViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    pass


class ViewerMixin:
    """The caller (scope, enterprises, institutions), read once per API request and shared with the
    serializers' context. Read before the scoped queryset, it also spares the scoping its scope query
    (`current_coordinator_scope` leaves the fresh scope on the user)."""

    request: Any

    def viewer(self) -> selectors.Viewer:
        if not hasattr(self, "_viewer"):
            # A POST's viewer is its answer's, read after the action: the scope it judged is on the user.
            self._viewer = selectors.Viewer.of(self.request.user, after_action=self.request.method == "POST")
        return self._viewer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.viewer()}  # type: ignore[misc]
