"""The request id that ties log lines together (django-guid): read it, or carry it into later work."""

from collections.abc import Iterator
from contextlib import contextmanager

from django_guid import get_guid, set_guid


def current() -> str:
    """The id of the request or task being handled, or "" outside one."""
    return get_guid() or ""


@contextmanager
def bound(request_id: str) -> Iterator[None]:
    """Log under `request_id` for the duration (a sweep relaying a message the request's nudge missed)."""
    previous = get_guid()
    if request_id:
        set_guid(request_id)
    try:
        yield
    finally:
        set_guid(previous)
