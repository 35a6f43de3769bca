"""`Authorization: Bearer <key>` for the API: the key is looked up through the token service (its model
lives here in coordination); wired into DRF by its dotted path in settings.REST_FRAMEWORK."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ..services.tokens import user_for_key


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` (or `Token <key>`)."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        try:
            header = authentication.get_authorization_header(request).split()
        except UnicodeError:  # characters outside latin-1 (DRF encodes a str header): not a token of ours
            raise exceptions.AuthenticationFailed("Malformed Authorization header.") from None
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        user, token = user_for_key(header[1].decode(errors="replace"))
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "coordination.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
