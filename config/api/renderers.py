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
# Where orjson's float may differ from json's: an exponent, or a fraction below 0.0001 (json: 1e-05).
# Text inside strings may match too; that only costs the slower renderer, never other bytes.
_FLOAT_MAY_DIFFER = re.compile(rb"\d[eE][-+]?\d|(?<![\d.])-?0\.0000")


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
        if _FLOAT_MAY_DIFFER.search(body):
            return self.fallback.render(data, media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
