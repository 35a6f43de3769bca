"""The user's language (DESIGN.md §13): chosen with the switch in every page's header, which posts to
Django's `set_language` at /i18n/setlang/ (contract), remembered for a signed-in user with their settings
(coordination.services.accounts), and brought back by their next sign-in on any browser."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from coordination import selectors
from coordination.services import accounts

_SIGNED_IN_LANGUAGE = "_coordination_signed_in_language"


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's view (cookie, redirect to `next`); a signed-in user's choice is kept in their profile."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        accounts.set_language_preference(user=request.user, language=language)
    return response


def remember_language_on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: the user's kept language becomes the browser's (LanguageCookieMiddleware sets it)."""
    language = selectors.stored_language(user)
    if language is not None and request is not None:
        setattr(request, _SIGNED_IN_LANGUAGE, language)


class LanguageCookieMiddleware:
    """Sets the language cookie to the kept language on the response of a sign-in, as set_language does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, _SIGNED_IN_LANGUAGE, None)
        if language is not None:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
