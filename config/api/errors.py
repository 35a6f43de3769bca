"""One error shape for every 4xx (and the 500) under /api/: {"error": {"code", "message", "fields": {name:
[messages]}}}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from .domain_errors import DomainError


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def validation_body(fields: dict[str, list[str]]) -> dict:
    message = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items())
    return error_body("validation_failed", message or "Invalid input.", fields)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():
                name = f"{prefix}[{key}]"
            elif prefix and key == "non_field_errors":
                name = prefix  # a nested object's own error ("expected a list") names the field itself
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    fields.update(_flatten(item, f"{prefix}[{index}]"))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _challenged(Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code))
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", str(exc)), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):
        # Raised while parsing the body (too many form fields or files): the client's input, a 400.
        exc = exceptions.ParseError(str(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_body(_flatten(exc.detail))
    else:
        code = getattr(exc, "default_code", "error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = error_body(code if isinstance(code, str) else "error", detail)
    return _challenged(response)


def _challenged(response: Response) -> Response:
    """Every 401 names the scheme to use (RFC 9110)."""
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under the API: the same 404 shape, not Django's HTML page."""
    return JsonResponse(error_body("not_found", str(_("Not found."))), status=404)


# Django's error handlers (config/urls.py): the API's shape under /api/, Django's pages elsewhere. They
# answer what happened outside DRF's views: a middleware's refusal, an unknown path, an uncaught exception.


def bad_request(request, exception):
    if is_api(request):
        return JsonResponse(error_body("bad_request", str(_("Bad request."))), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return JsonResponse(error_body("permission_denied", str(_("Permission denied."))), status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        message = str(_("Server error: the failure is logged; try again later."))
        return JsonResponse(error_body("server_error", message), status=500)
    return defaults.server_error(request)
