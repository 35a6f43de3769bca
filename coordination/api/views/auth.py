from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.throttles import AuthThrottle

from ... import selectors
from ...models import ApiToken
from ...services import tokens as token_services
from .. import serializers as s
from ..base import GenericViewSet, NewestFirstCursor
from ..schema import ERRORS, READ_ERRORS
from .common import validated


@extend_schema(
    request=s.TokenRequestSerializer,
    responses={200: s.TokenSerializer, **ERRORS(400, 401, 429)},
    auth=[],
    description=(
        "A new token for a username and password (and `otp_token`, the authenticator's code, for accounts "
        "with two-factor sign-in). It expires after API_TOKEN_TTL_DAYS. Repeated failures for one account "
        "from one address lock that pair out for the cool-off (429, code `locked_out`)."
    ),
)
class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]

    def get_authenticate_header(self, request):
        # Without authenticators DRF turns AuthenticationFailed into a 403; wrong credentials are a 401.
        return 'Bearer realm="api"'

    @extend_schema(operation_id="createAuthToken")
    def post(self, request):
        data = validated(s.TokenRequestSerializer, request)
        token, key = token_services.sign_in(request, **data)
        return Response({"token": key, "expires_at": token.expires_at})


@extend_schema_view(
    list=extend_schema(
        responses={200: s.ApiTokenSerializer(many=True), **READ_ERRORS},
        description="Your own tokens that still work (never their keys); nobody lists another user's.",
    ),
    destroy=extend_schema(
        responses={204: None, **ERRORS(401, 404, 405, 406, 429)},
        description="Revoke one of your own tokens at once; another user's token is not found.",
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, GenericViewSet):
    queryset = ApiToken.objects.none()
    serializer_class = s.ApiTokenSerializer
    pagination_class = NewestFirstCursor
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_queryset(self):
        return token_services.tokens_of(self.request.user)

    def destroy(self, request, pk=None):
        token_services.revoke_own(user=request.user, token_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: s.MeSerializer, **ERRORS(401)})
class MeView(APIView):
    @extend_schema(operation_id="getMe")
    def get(self, request):
        return Response(selectors.describe_user(request.user))
