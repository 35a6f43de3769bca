"""Model instances read with plain SQL, for the matcher's hot reads: building and compiling a query
through the ORM cost several times its execution there. The backend's and the fields' converters apply,
as the ORM applies them, so the instances are the ones the ORM would give."""

from __future__ import annotations

from typing import TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def instances(
    model: type[M], rest: str, params: list, *, extra: tuple[str, ...] = ()
) -> list[tuple[M, tuple]]:
    """(instance, extra values) per row: every concrete column of `model`'s table aliased "f", then the
    SQL expressions `extra` (as the database driver returns them: no converter), then `rest` (FROM f ...)."""
    fields = model._meta.concrete_fields
    columns = [field.get_col("f") for field in fields]
    converters = []
    for index, column in enumerate(columns):
        found = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
        if found:
            converters.append((index, found, column))
    names = [field.attname for field in fields]
    select = ", ".join([*(f'f."{field.column}"' for field in fields), *extra])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} {rest}", params)
        rows = cursor.fetchall()
    width = len(fields)
    built = []
    for row in rows:
        values = list(row[:width])
        for index, found, column in converters:
            for convert in found:
                values[index] = convert(values[index], column, connection)
        built.append((model.from_db(None, names, values), tuple(row[width:])))
    return built
