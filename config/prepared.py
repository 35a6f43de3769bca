"""ORM queries compiled once per process and run again with other ids.

Why: on an action's path (lock the request, judge the caller's roles, screen, read the answer) building and
compiling a query through the ORM costs about as much as running it (issue 16). A `Prepared` query keeps the
ORM's definition — its SQL is what the ORM compiles from the queryset, once, with stand-in values — and runs
that SQL again with the caller's values; the rows come back through the ORM's own iterables (model
instances with their `select_related` objects, `.values()` dicts), converters and all.

Only integer parameters (ids, years) stand in: a value that is not a plain integer in the 32-bit range
(a malformed id from a URL, an overflowing one) goes the ordinary ORM way, so it is answered exactly as
before. Every other value of the queryset is fixed when it is compiled: a query that reads the clock or a
setting is not one to prepare.
"""

import copy
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

T = TypeVar("T")

# Stand-ins for the parameters while compiling: inside every integer field's range (a value outside it would
# turn the lookup into another, see Django's IntegerFieldOverflow), and unlikely to be a constant of a query.
_STAND_IN_BASE = 32_749
# The values run through the compiled SQL: those every id column takes. Beyond (an id no row has), the ORM
# knows what an overflowing value means for each lookup.
_ID_MIN, _ID_MAX = -(2**31), 2**31 - 1


def as_id(value: object) -> int | None:
    """`value` as the integer the ORM would send for it, when it plainly is one (an int, or ASCII digits as
    a URL gives an id); None when only the ORM knows what to make of it."""
    if type(value) is int:
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if _ID_MIN <= number <= _ID_MAX else None


class Prepared(Generic[T]):
    """`build(*ids)` is the query (a queryset, sliced or not); `rows(*ids)` runs it. `build` must depend on
    its arguments only through filter values: the same SQL for every call."""

    def __init__(self, build: Callable[..., "QuerySet[Any, T]"], *, using: str = DEFAULT_DB_ALIAS) -> None:
        self._build = build
        self._using = using
        self._arity = build.__code__.co_argcount
        # Per backend (the test settings may change it): the compiled template, its SQL and parameters, and
        # where the stand-ins sit among them.
        self._compiled: dict[str, tuple[QuerySet, SQLCompiler, str, tuple, list[tuple[int, int]]]] = {}

    def rows(self, *values: object) -> list[T]:
        ids = [as_id(value) for value in values]
        if any(number is None for number in ids):
            return list(self._build(*values))
        connection = connections[self._using]
        compiled = self._compiled.get(connection.vendor) or self._compile(connection.vendor)
        template, compiler, sql, params, slots = compiled
        bound = _bind(params, slots, ids)
        run = copy.copy(compiler)
        run.connection = connection
        if (
            template.query.select_for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
            and connection.features.supports_transactions
        ):
            # As the compiler would refuse it: a row lock outside a transaction is released at once.
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        run.as_sql = lambda *args, **kwargs: (sql, tuple(bound))  # type: ignore[method-assign]
        queryset = template._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: run  # type: ignore[method-assign]
        return list(queryset)

    def sql(self, *values: object) -> tuple[str, list]:
        """The SQL and parameters of `build(*values)`, to embed in a statement of one's own (the matcher's
        context reads the enterprise's credits this way)."""
        ids = [as_id(value) for value in values]
        if any(number is None for number in ids):
            sql, params = self._build(*values).query.sql_with_params()
            return sql, list(params)
        vendor = connections[self._using].vendor
        _template, _compiler, sql, params, slots = self._compiled.get(vendor) or self._compile(vendor)
        return sql, _bind(params, slots, ids)

    def _compile(self, vendor: str) -> tuple[QuerySet, SQLCompiler, str, tuple, list[tuple[int, int]]]:
        stand_ins = [_STAND_IN_BASE - position for position in range(self._arity)]
        template = self._build(*stand_ins)
        compiler = template.query.get_compiler(using=template.db)
        sql, params = compiler.as_sql()
        slots = [(index, stand_ins.index(value)) for index, value in enumerate(params) if value in stand_ins]
        missing = set(range(self._arity)) - {argument for _, argument in slots}
        if missing or any(str(value) in sql for value in stand_ins):
            raise ValueError(f"{self._build!r}: every argument must be a parameter of the SQL")
        self._compiled[vendor] = (template, compiler, sql, tuple(params), slots)
        return self._compiled[vendor]


def _bind(params: tuple, slots: list[tuple[int, int]], ids: list[int | None]) -> list:
    """The compiled parameters with each stand-in replaced by its argument's value."""
    bound = list(params)
    for index, argument in slots:
        bound[index] = ids[argument]
    return bound


def first(rows: list[T]) -> T | None:
    return rows[0] if rows else None
