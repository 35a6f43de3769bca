"""Request body parsers that refuse what no field can hold, with a 400 naming where it was found.

JSON: nested deeper than API_JSON_MAX_DEPTH (the standard library's parser recurses, so 10 000 levels
would escape as a RecursionError), NUL characters or lone surrogates in any key or string value (PostgreSQL
text cannot hold a NUL; UTF-8 cannot encode a surrogate). Multipart (uploads): NUL in any name or value.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from config.text_checks import text_problem


def _refuse(field: str, reason) -> ValidationError:
    return ValidationError({field: [str(reason)]})


def _too_deep() -> ValidationError:
    depth = settings.API_JSON_MAX_DEPTH
    return _refuse("body", _("Nested deeper than %(depth)d levels.") % {"depth": depth})


def check_json(data, *, max_depth: int) -> None:
    """Walk the parsed document without recursion; raise on the first key or value no field can hold.

    Field names are built only from keys already checked, so a refused character is never echoed."""
    pending = [(data, "", 1)]
    while pending:
        value, name, depth = pending.pop()
        if depth > max_depth:
            raise _too_deep()
        if isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                if problem is not None:
                    raise _refuse(name or "body", _("A key: %(problem)s") % {"problem": problem})
                pending.append((item, f"{name}.{key}" if name else key, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, f"{name}[{index}]", depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                raise _refuse(name or "body", problem)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # the C decoder gives up at the interpreter's recursion limit, cleanly
            raise _too_deep() from None
        check_json(data, max_depth=settings.API_JSON_MAX_DEPTH)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Django decodes the parts' text with replacement characters, so only NUL can come through."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        for name, values in parsed.data.lists():
            problem = text_problem(name)
            if problem is not None:
                raise _refuse("body", _("A field name: %(problem)s") % {"problem": problem})
            for value in values:
                problem = text_problem(value)
                if problem is not None:
                    raise _refuse(name, problem)
        return parsed
