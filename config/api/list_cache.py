"""The API's busiest lists, cached per caller, language, format and address under the data generation.

Why: institutions and local platforms poll the same filtered lists again and again, and most polls find
nothing changed. A poll that hits the cache costs about what a bare authenticated endpoint costs: after
authentication and permissions it reads two keys from the shared cache. Authentication, permissions and
throttles run before the cache is asked, so a revoked token or a lost role is refused as before; the key
names the caller, so no caller is ever answered from another's page; and any committed write retires
every cached page (config/data_generation.py).

drf-extensions keeps the rendered page and rebuilds the response; this module chooses the key and
switches the cache off where no shared cache is configured (settings.API_LIST_CACHE_SECONDS = 0). Errors
are never cached.
"""

import logging
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework_extensions.cache.decorators import CacheResponse
from rest_framework_extensions.key_constructor import bits
from rest_framework_extensions.key_constructor.constructors import KeyConstructor

from config import data_generation

logger = logging.getLogger(__name__)


class _Generation(bits.KeyBitBase):
    def get_data(self, request: Any, **kwargs: Any) -> str:
        return getattr(request, "data_generation", None) or data_generation.current()


class _Address(bits.KeyBitBase):
    """Path and query, and the scheme and host that the page's `next` and `previous` links carry."""

    def get_data(self, request: Any, **kwargs: Any) -> str:
        return request.build_absolute_uri()


class GenerationFirstMixin:
    """On a view set whose `list` is a `ListCache`: the generation is read before anything else of the
    request, the caller's own row included (authentication reads it), so that a page is never stored
    under a generation newer than some of the data it was built from (config/data_generation.py)."""

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "action", None) == "list" and data_generation.enabled():
            with suppress(RedisError):  # unreachable: `ListCache` answers from the database
                request.data_generation = data_generation.current()
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class ListKey(KeyConstructor):
    generation = _Generation()
    view = bits.UniqueMethodIdKeyBit()
    caller = bits.UserKeyBit()
    language = bits.LanguageKeyBit()
    format = bits.FormatKeyBit()
    address = _Address()


class ListCache(CacheResponse):
    """`@ListCache()` on a view set's `list`; the view set takes `GenerationFirstMixin` too."""

    def __init__(self) -> None:
        # The cache and the timeout are read per call, not bound at import, so that settings apply.
        self.key_func = ListKey()
        self.cache_errors = False

    @property
    def cache(self) -> Any:
        return cache

    def calculate_timeout(self, view_instance: Any, **kwargs: Any) -> int:
        return settings.API_LIST_CACHE_SECONDS

    def process_cache_response(
        self, view_instance: Any, view_method: Any, request: Any, args: Any, kwargs: Any
    ) -> Any:
        if not data_generation.enabled():
            return view_method(view_instance, request, *args, **kwargs)
        try:
            return super().process_cache_response(view_instance, view_method, request, args, kwargs)
        except RedisError:
            # A list is still answered, from the database, while the shared cache is unreachable.
            logger.warning("list cache unreachable; answering %s uncached", request.path, exc_info=True)
            return view_method(view_instance, request, *args, **kwargs)
