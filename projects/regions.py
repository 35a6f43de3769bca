"""Region coverage under GB/T 2260: the one answer to "does this region (or scope) cover that one?".

Codes nest by two-digit levels: 310000 (Shanghai) covers every 31xxxx, 320500 (Suzhou) every 3205xx, a
district only itself. A region's prefix is its code without the trailing "00" pairs; it covers every code
that starts with that prefix. Products, institutions, coordinator scopes, service levels and filters all
ask here, in Python (`covers`), as a query (`covered_q`) or the other way round (`covering_codes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.db.models import Q


class HasCode(Protocol):
    code: str


def _code(region: HasCode | str) -> str:
    return region if isinstance(region, str) else region.code


def code_prefix(region: HasCode | str) -> str:
    """The leading digits every covered code shares: "310000" -> "31", "320500" -> "3205"."""
    trimmed = _code(region).rstrip("0")
    return trimmed + "0" * (len(trimmed) % 2)


def covers(region: HasCode | str, other: HasCode | str) -> bool:
    """Whether `region` (a region or its code) covers `other`: itself, or a region nested inside it."""
    return _code(other).startswith(code_prefix(region))


def covering_codes(code: str) -> list[str]:
    """The codes of the region and of every region that contains it (province, prefecture): exactly the
    six-digit codes R with `covers(R, code)`."""
    return list(dict.fromkeys([code[:2] + "0000", code[:4] + "00", code]))


def covered_q(code_field: str, regions: Iterable[HasCode | str]) -> Q:
    """Rows whose `code_field` (a path to a region code, e.g. "enterprise__region__code") lies in one of
    `regions`; matches nothing when `regions` is empty."""
    query = Q(pk__in=[])
    for region in regions:
        query |= Q(**{f"{code_field}__startswith": code_prefix(region)})
    return query
