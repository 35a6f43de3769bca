"""The one error type every app raises (projects, lenders, coordination), mapped once: to HTTP by
`config.api.errors.exception_handler`, to messages by the admin and the pages."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Messages are usually lazy translations (gettext_lazy), rendered in the caller's language when shown.
Message = str | Promise
NOT_FOUND = _("Not found.")


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(
        self, message: Message, *, fields: dict[str, list[str]] | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status_code = 400
    code = "validation_failed"


class NotFound(DomainError):
    """Out of scope or absent: never confirm that something exists to someone who may not see it."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: Message = NOT_FOUND, **kwargs):
        super().__init__(message, **kwargs)


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The action does not fit the object's current state (or someone else changed it first)."""

    status_code = 409
    code = "conflict"
