"""Two-factor sign-in (TOTP, django-otp). Whoever has a confirmed authenticator must give a code from it;
national coordinators must have one when settings.REQUIRE_2FA_NATIONAL is on. The admin asks for the
code after the password (config/two_factor.py); the token endpoint takes it with the password."""

from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..selectors import coordinator_scope


def second_factor_required(user) -> bool:
    if not user.is_authenticated:
        return False
    if user_has_device(user, confirmed=True):
        return True
    scope = coordinator_scope(user)
    return settings.REQUIRE_2FA_NATIONAL and scope is not None and scope.national


def verified_device(user, code: str) -> TOTPDevice | None:
    """The user's authenticator that accepts the code, or None. Each device throttles its own failures
    (django-otp's OTP_TOTP_THROTTLE_FACTOR), so codes cannot be guessed at speed."""
    code = (code or "").strip()
    if not code:
        return None
    with transaction.atomic():
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(code):
                return device
    return None
