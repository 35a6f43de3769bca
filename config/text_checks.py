"""Text that no field can hold: NUL characters (PostgreSQL text refuses them) and lone surrogates (UTF-8
cannot encode them). Used by the input guard (path, query) and the API's parsers (bodies)."""

from urllib.parse import unquote_to_bytes

from django.utils.translation import gettext_lazy as _

NUL_REASON = _("Must not contain NUL characters.")
SURROGATE_REASON = _("Must not contain lone surrogate characters.")
NOT_UTF8_REASON = _("Must be UTF-8 text (no NUL characters, no lone surrogates).")


def text_problem(text: str) -> str | None:
    """Why this text cannot be stored or rendered, or None when it can."""
    if "\x00" in text:
        return str(NUL_REASON)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # the only str that UTF-8 cannot encode holds a lone surrogate
        return str(SURROGATE_REASON)
    return None


def bytes_problem(raw: bytes) -> str | None:
    """The same for raw bytes: a surrogate arrives as its three-byte encoding, which strict UTF-8 refuses."""
    if b"\x00" in raw:
        return str(NUL_REASON)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return str(NOT_UTF8_REASON)
    return None


def urlencoded_problems(raw: bytes, *, unnamed: str) -> dict[str, list[str]]:
    """Problems of an application/x-www-form-urlencoded string (a query or a form body), by parameter;
    a problem in a parameter's own name is reported under `unnamed` (the name is not echoed)."""
    problems: dict[str, list[str]] = {}
    for pair in raw.split(b"&"):
        name, _sep, value = pair.partition(b"=")
        name_bytes = unquote_to_bytes(name.replace(b"+", b" "))
        problem = bytes_problem(name_bytes)
        if problem is not None:
            problems.setdefault(unnamed, []).append(problem)
            continue
        problem = bytes_problem(unquote_to_bytes(value.replace(b"+", b" ")))
        if problem is not None:
            problems.setdefault(name_bytes.decode(), []).append(problem)
    return problems
