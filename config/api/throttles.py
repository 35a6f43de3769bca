from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class AuthThrottle(AnonRateThrottle):
    """Token requests per client address: slows password guessing."""

    scope = "auth"


class WriteThrottle(UserRateThrottle):
    """Writes per user; reads are not throttled."""

    scope = "write"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
