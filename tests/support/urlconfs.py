"""URLconfs for tests about a page that links another only when that page exists: the project's URLs
less some prefixes."""

from django.urls import URLPattern, URLResolver

from config.urls import urlpatterns as project_urls


def without(*prefixes: str) -> list[URLPattern | URLResolver]:
    return [url for url in project_urls if not str(url.pattern).startswith(prefixes)]
