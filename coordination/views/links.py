"""Links to named pages that may not exist yet (they are built area by area)."""

from django.urls import NoReverseMatch, reverse


def url_or_none(name: str, *args, **kwargs) -> str | None:
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def first_url(*names: str) -> str:
    """The URL of the first of `names` that exists; the front page if none does."""
    for name in names:
        url = url_or_none(name)
        if url is not None:
            return url
    return reverse("home")
