"""API tokens: made with a random key that is shown once; stored as a SHA-256 hash; revocable."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

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


def user_for_key(key: str):
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None, None
    now = timezone.now()
    # Written at most once a minute per token, so reads do not pay for a write on every call.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
