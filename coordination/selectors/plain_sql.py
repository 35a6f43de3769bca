"""Model instances read with plain SQL, for the matcher's hot reads: building and compiling a query
through the ORM cost several times its execution there. The backend's and the fields' converters apply,
as the ORM applies them, so the instances are the ones the ORM would give."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from django.db import connection, models
from django.db.models.expressions import Col

M = TypeVar("M", bound=models.Model)


Converters = list[tuple[int, list, Col]]


def placeholders(values: Sequence) -> str:
    """One parameter placeholder per value, for `IN (...)`."""
    return ", ".join(["%s"] * len(values))


def converters(fields: Sequence[models.Field], table: str, start: int = 0) -> Converters:
    """The converters of `fields` read from `table`, as columns `start`, `start + 1`… of a row."""
    return _converters(tuple(fields), table, start, connection.vendor)


@lru_cache(maxsize=64)
def _converters(fields: tuple[models.Field, ...], table: str, start: int, vendor: str) -> Converters:
    """Worked out once per process: they depend only on the fields and the backend (`vendor`)."""
    found = []
    for index, field in enumerate(fields, start=start):
        column = field.get_col(table)
        convert = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
        if convert:
            found.append((index, convert, column))
    return found


def convert(row: Sequence, found: Converters) -> list:
    """The row's values, converted."""
    values = list(row)
    for index, convert_all, column in found:
        for one in convert_all:
            values[index] = one(values[index], column, connection)
    return values


def instances(
    model: type[M], rest: str, params: list, *, extra: tuple[str, ...] = ()
) -> list[tuple[M, tuple]]:
    """(instance, extra values) per row: every concrete column of `model`'s table aliased "f", then the
    SQL expressions `extra` (as the database driver returns them: no converter), then `rest` (FROM f ...)."""
    fields = model._meta.concrete_fields
    found = converters(fields, "f")
    names = [field.attname for field in fields]
    select = ", ".join([*(f'f."{field.column}"' for field in fields), *extra])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} {rest}", params)
        rows = cursor.fetchall()
    width = len(fields)
    return [(model.from_db(None, names, convert(row[:width], found)), tuple(row[width:])) for row in rows]
