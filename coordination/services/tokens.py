"""API tokens: made with a random key that is shown once; stored as a SHA-256 hash; they expire
(settings.API_TOKEN_TTL_DAYS, API_INTEGRATION_TOKEN_TTL_DAYS) and their owner lists and revokes them."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenders.models import Institution

from ..errors import NotFound, SignInFailed, TooManyFailures
from ..models import ApiToken
from .two_factor import second_factor_required, verified_device

LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(*, user, name: str = "login", integration: bool = False) -> tuple[ApiToken, str]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:8], key_hash=hash_key(key), integration=integration
    )
    return token, key


def issue_sandbox_token(*, institution_id: int) -> tuple[ApiToken, str]:
    """An integration token for a demo institution's sandbox user (docs/integrators.md): one user per
    institution, made on first use without a password, a member of it and of nothing else."""
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise NotFound(_("No institution with this id."))
    user, created = get_user_model().objects.get_or_create(username=f"sandbox-{institution.pk}")
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    institution.members.add(user)
    return issue_token(user=user, name="sandbox", integration=True)


def sign_in(request, *, username: str, password: str, otp_token: str = "") -> tuple[ApiToken, str]:
    """A login token for a password (and, for two-factor accounts, the authenticator's code). django-axes
    watches `authenticate` and flags the request when this account is locked out from this address."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise TooManyFailures(
                _("Too many failed sign-ins for this account from this address; wait for the cool-off.")
            )
        raise SignInFailed(_("Wrong username or password."))
    if second_factor_required(user) and verified_device(user, otp_token) is None:
        raise SignInFailed(_("Two-factor account: give the authenticator's code as otp_token."))
    # A token is a sign-in: last_login is stamped and django-axes clears this pair's failures.
    user_logged_in.send(sender=type(user), request=request, user=user)
    return issue_token(user=user, name="login")


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
    """Revoke through save(), so that the token's history (simple-history) records who revoked it."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def revoke_own(*, user, token_id: int) -> None:
    """Revoke one of the user's own live tokens; anyone else's (or a dead one) is not found."""
    token = tokens_of(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    revoke(token)
