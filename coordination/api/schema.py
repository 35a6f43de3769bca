"""The documented error responses: every 4xx has the same shape."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


DESCRIPTIONS = {
    400: "Invalid input: `error.fields` names each field and the reason.",
    401: "Not authenticated.",
    403: "Authenticated but not allowed to take this action.",
    404: "Not found, or out of your scope.",
    405: "Method not allowed.",
    406: "Not acceptable.",
    409: "Conflicts with the current state (someone acted first, or the action does not fit the status).",
    413: "Request body or upload too large.",
    415: "Unsupported media type.",
    422: "Idempotency-Key reused with a different request.",
    429: "Too many requests.",
}


def ERRORS(*codes: int) -> dict:  # noqa: N802 - reads like a constant at the call sites
    return {code: OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code]) for code in codes}


READ_ERRORS = ERRORS(400, 401, 404, 405, 406)
WRITE_ERRORS = ERRORS(400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429)
