"""Write reference rows by natural key; data migrations call these with their historical models."""

from collections.abc import Iterable
from typing import Any, NamedTuple


def _values(model: Any, row: NamedTuple, *skip: str) -> dict[str, Any]:
    """The row's values for the fields the model has: an old migration still runs after a later one
    adds a column to the data."""
    columns = {field.name for field in model._meta.get_fields()}
    return {name: value for name, value in row._asdict().items() if name in columns and name not in skip}


def load_rows(model: Any, rows: Iterable[NamedTuple], *, key: str) -> None:
    """Create or update each row by its natural key `key`."""
    for row in rows:
        model.objects.update_or_create(**{key: getattr(row, key)}, defaults=_values(model, row, key))


def load_tree(model: Any, rows: Iterable[NamedTuple]) -> None:
    """Create or update each node by `code`, its `parent` code resolved to the parent's id.

    Rows list parents before children.
    """
    ids: dict[str, int] = {}
    for row in rows:
        values = _values(model, row, "code", "parent")
        values["parent_id"] = ids[row.parent] if row.parent else None
        node, _ = model.objects.update_or_create(code=row.code, defaults=values)
        ids[row.code] = node.pk
