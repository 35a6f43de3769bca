"""A list's page read as `.values()` rows and shown the way the resource's serializer shows one object.

Why: for a page of 50, building the model instances (each with its enterprise and region, every column
loaded) and walking DRF's serializer field by field cost most of a list's time (issue 16). A `RowShape`
reads the columns its serializer's fields name, nothing else, and formats each value with that field's own
`to_representation`; the fields it cannot read from a column (nested lists, `available_actions`) the view
fills in for the whole page. So a row here and the same object through the serializer (what `retrieve`
answers) are the same JSON, which tests/api/test_list_rows.py checks for every list that uses it.

The workflow engine judges `available_actions` on model objects: `RowShape.instance` makes one from a row's
columns, the columns it does not hold deferred (read on access, as with `QuerySet.only`), so a rule that
reads a column the list did not load still gets the true value.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import Model
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField, SlugRelatedField

Row = dict[str, Any]


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class RowShape:
    """How `serializer_class` shows one object, from a `.values()` row of its model.

    `filled` names the fields the view supplies (`show`'s keyword arguments); every other field is a model
    column (a nested serializer too, over a JSON column) or a column across to-one relations
    (`source="enterprise.region.code"`). `also` are further
    columns to read for `instance` (the engine's input), such as a related row's id.
    """

    serializer_class: type[serializers.Serializer]
    filled: frozenset[str] = frozenset()
    also: tuple[str, ...] = ()
    _columns: list[tuple[str, str, Callable[[Any], Any]]] = field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        model = self.serializer_class.Meta.model  # type: ignore[attr-defined]
        for name, shown in self.serializer_class().fields.items():
            if name in self.filled:
                self._columns.append((name, "", _same))
                continue
            if isinstance(shown, serializers.SerializerMethodField | ManyRelatedField) or (
                isinstance(shown, serializers.BaseSerializer)
                and model._meta.get_field(shown.source).is_relation
            ):
                # A nested serializer shows a JSON column (`policy_support`) as it is; related rows the
                # view reads for the whole page.
                raise TypeError(f"{name}: a method field or related rows are filled by the view")
            if isinstance(shown, PrimaryKeyRelatedField):
                assert shown.pk_field is None and "." not in shown.source, name
                # The related row's id, as the serializer's pk-only optimisation shows it.
                self._columns.append((name, model._meta.get_field(shown.source).attname, _same))
            elif isinstance(shown, SlugRelatedField):
                # The related row's slug column, which is what the field shows.
                self._columns.append((name, "__".join([*shown.source_attrs, shown.slug_field]), _same))
            else:
                self._columns.append((name, "__".join(shown.source_attrs), shown.to_representation))

    @property
    def columns(self) -> list[str]:
        """What to pass to `.values()`."""
        return list(dict.fromkeys([path for _, path, _ in self._columns if path] + list(self.also)))

    def show(self, row: Row, **filled: Any) -> Row:
        """The payload of one row; None stays None, as DRF leaves it."""
        shown: Row = {}
        for name, path, represent in self._columns:
            if not path:
                shown[name] = filled[name]
                continue
            value = row[path]
            shown[name] = None if value is None else represent(value)
        return shown

    def instance(self, row: Row) -> Model:
        """The model object a row stands for, with the to-one relations the row reaches (by their ids and
        columns); the columns the row does not hold are deferred."""
        return _build(_plan(self.serializer_class.Meta.model, tuple(row)), row)  # type: ignore[attr-defined]


def prefetched(obj: Model, name: str, related: Iterable[Model]) -> None:
    """Leave `related` where `prefetch_related(name)` leaves a relation's rows, so that `obj.<name>.all()`
    (as a rule or a serializer reads it) answers them without a query. `name` is the relation's accessor
    (`financials`, `fields`), which is also the key Django's prefetching files it under."""
    rows = getattr(obj, name).get_queryset()  # not run: it only carries the rows
    rows._result_cache = list(related)
    rows._prefetch_done = True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[name] = rows


@dataclass(frozen=True)
class _Plan:
    model: type[Model]
    names: list[str]  # the attnames loaded, in the model's field order (what `from_db` takes)
    keys: list[str]  # the row's key for each
    related: list[tuple[Any, "_Plan"]]  # (the relation's field, the plan of its object)
    pk_key: str | None  # the row's key for the object's id, when read

    def absent(self, row: Row) -> bool:
        """Whether the row reached no object here: a nullable relation read as NULL (its id is None)."""
        return self.pk_key is not None and row[self.pk_key] is None


@cache
def _plan(model: type[Model], keys: tuple[str, ...], prefix: str = "") -> _Plan:
    own: dict[str, str] = {}
    related: dict[str, None] = {}
    for key in keys:
        if key.startswith(prefix):
            name, across, _ = key[len(prefix) :].partition("__")
            if across:
                related[name] = None
            else:
                own[model._meta.get_field(name).attname] = key  # type: ignore[union-attr]
    names = [f.attname for f in model._meta.concrete_fields if f.attname in own]
    relations = [model._meta.get_field(name) for name in related]
    return _Plan(
        model,
        names,
        [own[name] for name in names],
        [(rel, _plan(rel.related_model, keys, f"{prefix}{rel.name}__")) for rel in relations],
        own.get(model._meta.pk.attname),  # type: ignore[union-attr]
    )


def _build(plan: _Plan, row: Row) -> Model:
    obj = plan.model.from_db(None, plan.names, [row[key] for key in plan.keys])
    for relation, related in plan.related:
        relation.set_cached_value(obj, None if related.absent(row) else _build(related, row))
    return obj


def group_by(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    """Rows under the value of their `key` column, in the order read."""
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups
