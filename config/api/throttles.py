from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SettingsRates:
    """Read the rates when a request comes, not when DRF is imported: DRF's throttles keep the dict they
    saw at import, so `override_settings(REST_FRAMEWORK=...)` (or a reloaded setting) was never seen."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - the attribute name DRF's SimpleRateThrottle reads
        return api_settings.DEFAULT_THROTTLE_RATES


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
