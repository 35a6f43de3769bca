"""Model instances read with plain SQL, for the matcher's hot reads: building and compiling a query
through the ORM cost several times its execution there. The backend's and the fields' converters apply,
as the ORM applies them, so the instances are the ones the ORM would give."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.models.expressions import Col

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


@dataclass(frozen=True)
class Read(Generic[T]):
    """One SELECT, its parameters, and what its rows become: reads that do not depend on each other are
    sent together (`run`)."""

    sql: str
    params: list
    parse: Callable[[list[tuple]], T]


def run(reads: Sequence[Read[Any]]) -> list[Any]:
    """Each read's result, in order. On PostgreSQL with client-side binding (Django's default with psycopg
    3) in one round trip, the statements sent as one; one after the other elsewhere. Each round trip cost
    the matcher more than the read it carried."""
    for read in reads:
        # One SELECT each: a write hidden after a read would escape the cached lists' write detection
        # (config.data_generation reads a statement's first word), and a comment would swallow the next read.
        text = read.sql.lstrip(" \t\n(").upper()
        if not text.startswith("SELECT") or ";" in text or "--" in text or " INTO " in text:
            raise ValueError(f"plain_sql.run takes one plain SELECT per read, not: {read.sql[:60]!r}")
    rows: list[list[tuple]] = []
    with connection.cursor() as cursor:
        if _one_round_trip() and len(reads) > 1:
            cursor.execute(";\n".join(read.sql for read in reads), [p for read in reads for p in read.params])
            for index in range(len(reads)):
                if index and not cursor.cursor.nextset():
                    raise RuntimeError("PostgreSQL answered fewer results than the reads sent")
                rows.append(cursor.fetchall())
        else:
            for read in reads:
                cursor.execute(read.sql, read.params)
                rows.append(cursor.fetchall())
    return [read.parse(found) for read, found in zip(reads, rows, strict=True)]


def _one_round_trip() -> bool:
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    )


Converters = list[tuple[int, list, Col]]


def placeholders(values: Sequence) -> str:
    """One parameter placeholder per value, for `IN (...)`."""
    return ", ".join(["%s"] * len(values))


def in_ids(column: str, values: Sequence[int]) -> tuple[str, list]:
    """SQL for `column` among the ids `values` (none: false), with its parameters: on PostgreSQL one array
    literal (the driver's parsing of a placeholder per id cost more than the query's run, and its typing
    of a list of ints, which looks at every element, ~0.3 ms for 200), a placeholder each elsewhere."""
    if not values:
        return "1 = 0", []
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(str(int(value)) for value in values) + "}"]
    return f"{column} IN ({placeholders(values)})", list(values)


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
    return run([instances_read(model, rest, params, extra=extra)])[0]


def instances_read(
    model: type[M], rest: str, params: list, *, extra: tuple[str, ...] = ()
) -> Read[list[tuple[M, tuple]]]:
    """`instances` as a read to `run` with others."""
    fields = model._meta.concrete_fields
    found = converters(fields, "f")
    names = [field.attname for field in fields]
    select = ", ".join([*(f'f."{field.column}"' for field in fields), *extra])
    width = len(fields)

    def parse(rows: list[tuple]) -> list[tuple[M, tuple]]:
        return [(model.from_db(None, names, convert(row[:width], found)), tuple(row[width:])) for row in rows]

    return Read(f"SELECT {select} {rest}", params, parse)


def models_read(model: type[M], rest: str, params: list) -> Read[list[M]]:
    """`instances_read` without extra columns: the instances alone."""
    read = instances_read(model, rest, params)
    return Read(read.sql, read.params, lambda rows: [instance for instance, _ in read.parse(rows)])
