import ipaddress

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def client_address(request) -> str:
    """The address that made the request, under the trusted-proxy rule (settings.TRUSTED_PROXY_COUNT,
    DRF's NUM_PROXIES): REMOTE_ADDR with none, else the Nth address from the right of X-Forwarded-For.
    The throttles and django-axes (AXES_CLIENT_IP_CALLABLE) both key on it. Anything that is not an
    address (a proxy count larger than the real chain lets the client write there) falls back to
    REMOTE_ADDR, so the lockout table never stores a client's free text."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR", "")


class SettingsRates:
    """Read the rates when a request comes, not when DRF is imported: DRF's throttles keep the dict they
    saw at import, so `override_settings(REST_FRAMEWORK=...)` (or a reloaded setting) was never seen.
    Anonymous callers are counted per client_address; the counts live in the default (Redis) cache."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - the attribute name DRF's SimpleRateThrottle reads
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request) -> str:
        return client_address(request)


class AuthThrottle(SettingsRates, AnonRateThrottle):
    """Token requests per client address: slows password guessing."""

    scope = "auth"


class WriteThrottle(SettingsRates, UserRateThrottle):
    """Writes per user; reads are not throttled."""

    scope = "write"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
