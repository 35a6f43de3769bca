"""Refuse hostile input before anything reads it: NUL bytes and lone surrogates in the path or the query,
and bodies larger than any endpoint accepts (refused from Content-Length, before the body is read).

PostgreSQL text cannot hold a NUL, and a lone surrogate cannot be encoded as UTF-8: let through, either
becomes a 500 deep inside a lookup, a filter or a render. Under /api/ the answer is the API's one error
shape naming the parameter; elsewhere (the admin, the pages) Django's 400 page.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

from config.api.errors import error_body, is_api, validation_body
from config.text_checks import bytes_problem, text_problem, urlencoded_problems

# Room for the multipart envelope (boundaries, part headers, the document's kind) around one document.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _path_bytes(request: HttpRequest) -> bytes:
    """Django keeps a path's valid UTF-8 as text and re-escapes every byte that is not (a lone surrogate's
    encoding among them): decoding those escapes once more shows both."""
    return unquote_to_bytes(request.path_info)


def _query_bytes(request: HttpRequest) -> bytes:
    """The query as sent: WSGI hands it over as latin-1 text of the raw bytes."""
    query = request.META.get("QUERY_STRING", "")
    try:
        return query.encode("latin-1")
    except UnicodeEncodeError:  # a server that decoded it already: a surrogate survives as text
        return query.encode("utf-8", errors="surrogatepass")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads such a body as empty too


def _form_problems(request: HttpRequest) -> dict[str, list[str]]:
    """Staff forms (the admin) post form bodies that no DRF parser sees; the API's parsers check its own."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method != "POST":
        return {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return urlencoded_problems(request.body, unnamed="body")
    if content_type.startswith("multipart/form-data"):
        problems: dict[str, list[str]] = {}
        for name, values in request.POST.lists():
            for value in [name, *values]:
                problem = text_problem(value)
                if problem is not None:
                    problems.setdefault("body" if value is name else name, []).append(problem)
        return problems
    return {}


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DOCUMENT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES
        if _declared_length(request) > limit:
            return self._too_large(request, limit)
        problems: dict[str, list[str]] = {}
        path_problem = bytes_problem(_path_bytes(request))
        if path_problem is not None:
            problems["path"] = [path_problem]
        problems.update(urlencoded_problems(_query_bytes(request), unnamed="query"))
        if not problems and not is_api(request):
            problems.update(_form_problems(request))
        if problems:
            if is_api(request):
                return JsonResponse(validation_body(problems), status=400)
            raise BadRequest("; ".join(f"{name}: {' '.join(reasons)}" for name, reasons in problems.items()))
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
        message = str(_("The request body is larger than the %(limit)d bytes accepted.") % {"limit": limit})
        if is_api(request):
            return JsonResponse(error_body("too_large", message, {"body": [message]}), status=413)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
