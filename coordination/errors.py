"""The mechanism's own error types, on the one base every app raises (config/api/domain_errors.py)."""

from config.api.domain_errors import (
    Conflict,
    DomainError,
    Message,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

__all__ = [
    "Conflict",
    "DomainError",
    "IdempotencyMismatch",
    "KeyInProgress",
    "Message",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "SignInFailed",
    "TooManyFailures",
    "UnsupportedMediaType",
    "ValidationFailed",
]


class IdempotencyMismatch(DomainError):
    status_code = 422
    code = "idempotency_key_reused"


class KeyInProgress(Conflict):
    """Another request with the same idempotency key has not finished yet; the client retries later."""

    code = "idempotency_key_in_progress"

    def __init__(self, message: Message, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class SignInFailed(DomainError):
    status_code = 401
    code = "authentication_failed"


class TooManyFailures(DomainError):
    """Sign-in locked for this account from this address until the cool-off ends (django-axes)."""

    status_code = 429
    code = "locked_out"
