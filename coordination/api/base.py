from rest_framework import viewsets
from rest_framework.pagination import CursorPagination

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
