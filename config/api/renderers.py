"""The API's JSON renderer: DRF's JSON, the same bytes, written by orjson (drf-orjson-renderer).

Why: `json.dumps` of a page of 50 requests took longer than the bare endpoint's whole answer (issue 16).
What DRF's `JSONRenderer` writes is kept: objects orjson does not know (Decimal, lazy strings, sets) and
every date and time go through DRF's own encoder (times keep DRF's millisecond precision), U+2028 and
U+2029 are escaped as DRF escapes them, and DRF's renderer itself writes what orjson refuses (an integer
beyond 64 bits, a lone surrogate), an indent the client asks for, and a body where a float may be written
otherwise: orjson writes 1e-05 as 0.00001 and 1e+16 as 1e16 (the same numbers, other bytes), so a body
showing an exponent or a fraction below 0.0001 is written again. That is rare: amounts and rates are
decimal strings, only free JSON (an offer's terms, a match explanation) holds floats.
"""

import re
from typing import Any

import orjson
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_encoder = JSONEncoder()
_EXPONENT = re.compile(rb"e-?[0-9]")  # starts on a literal: a page is scanned in a tenth of a millisecond
_DIGITS = frozenset(b"0123456789")


def _float_may_differ(body: bytes) -> bool:
    """Whether orjson may have written a float otherwise than json: a fraction below 0.0001 (json: 1e-05) or
    an exponent after a digit (json: 1e+16). Text inside strings may match too; that only costs the slower
    renderer, never other bytes."""
    if b"0.0000" in body:
        return True
    return any(match.start() and body[match.start() - 1] in _DIGITS for match in _EXPONENT.finditer(body))


class JSONRenderer(ORJSONRenderer):
    # Datetimes and dates to DRF's encoder; keys that are not strings written as json.dumps writes them.
    options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
    default = staticmethod(_encoder.default)
    fallback = renderers.JSONRenderer()

    def render(self, data: Any, media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if self.fallback.get_indent(media_type or "", renderer_context or {}) is not None:
            return self.fallback.render(data, media_type, renderer_context)
        try:
            body = super().render(data, media_type, renderer_context)
        except orjson.JSONEncodeError:
            return self.fallback.render(data, media_type, renderer_context)
        if _float_may_differ(body):
            return self.fallback.render(data, media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
