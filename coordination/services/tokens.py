"""API tokens: made with a random key that is shown once; stored as a SHA-256 hash; they expire
(settings.API_TOKEN_TTL_DAYS, API_INTEGRATION_TOKEN_TTL_DAYS) and their owner lists and revokes them."""

import hashlib
import secrets
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ..errors import NotFound
from ..models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(*, user, name: str = "login", integration: bool = False) -> tuple[ApiToken, str]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:8], key_hash=hash_key(key), integration=integration
    )
    return token, key


def live_tokens() -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own tokens that still work; nobody lists another user's."""
    return live_tokens().filter(user=user)


def user_for_key(key: str):
    token = live_tokens().select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None, None
    now = timezone.now()
    # Written at most once a minute per token, so reads do not pay for a write on every call.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_own(*, user, token_id: int) -> None:
    """Revoke one of the user's own live tokens; anyone else's (or a dead one) is not found."""
    if not tokens_of(user).filter(pk=token_id).update(revoked_at=timezone.now()):
        raise NotFound()
