"""Light rows for the eligible products: scoring hundreds of candidates per request does not need a
model instance each; the few that are proposed or shown become real Product (and Institution)
instances, built from the same row without another query."""

from __future__ import annotations

from django.db import connection

from lenders.models import Institution, Product

from ..selectors import plain_sql
from .eligibility import INSTITUTION, INSTITUTION_FIELDS_READ, PRODUCT, PRODUCT_FIELDS_READ, Sql

PRODUCT_COLUMNS = tuple(f.attname for f in PRODUCT_FIELDS_READ)
INSTITUTION_COLUMNS = tuple(f.attname for f in INSTITUTION_FIELDS_READ if f.attname != "id")


class InstitutionRow:
    """An institution's columns, read by attribute (values kept as the query returned them)."""

    __slots__ = ("values",)

    def __init__(self, values: tuple):
        self.values = values  # id, then INSTITUTION_COLUMNS

    def __str__(self) -> str:
        return self.name

    @property
    def pk(self) -> int:
        return self.values[0]


class ProductRow:
    """A Product row read by attribute, plus the query's annotations (`targets_hard_tech`, `fits` — the ids
    of the tranches it is eligible for). `values` is the query's row: the product's columns first
    (PRODUCT_COLUMNS), then the institution's and the annotations. What scoring and ranking read of every
    candidate is kept as read (`pk`, `institution_id`, `capacity_left`); the other columns are read from
    `values` by name."""

    __slots__ = (
        "values",
        "pk",
        "institution_id",
        "capacity_left",
        "institution",
        "targets_hard_tech",
        "fits",
    )

    def __str__(self) -> str:
        return f"{self.institution} — {self.name}"

    def materialize(self) -> Product:
        """The model instance (with its institution cached), no query."""
        institution = Institution.from_db(None, ["id", *INSTITUTION_COLUMNS], list(self.institution.values))
        product = Product.from_db(None, list(PRODUCT_COLUMNS), list(self.values[: len(PRODUCT_COLUMNS)]))
        product.institution = institution
        return product


def _column(index: int) -> property:
    return property(lambda row: row.values[index])


for _index, _name in enumerate(PRODUCT_COLUMNS):
    if _name not in ProductRow.__slots__:
        setattr(ProductRow, _name, _column(_index))
for _index, _name in enumerate(INSTITUTION_COLUMNS, start=1):
    setattr(InstitutionRow, _name, _column(_index))


def fetch(query: Sql, tranche_ids: list[int]) -> list[ProductRow]:
    """Run the eligible-products query (eligibility.eligible_products) as plain rows, its values converted
    as the ORM converts them. `tranche_ids`: the tranches whose flags end each row, in order."""
    n_product = len(PRODUCT_FIELDS_READ)
    after = n_product + len(INSTITUTION_FIELDS_READ)
    found = [
        *plain_sql.converters(PRODUCT_FIELDS_READ, PRODUCT),
        *plain_sql.converters(INSTITUTION_FIELDS_READ, INSTITUTION, start=n_product),
    ]
    with connection.cursor() as cursor:
        cursor.execute(query.text, list(query.params))
        fetched = cursor.fetchall()
    institutions: dict[int, InstitutionRow] = {}
    institution_column, yearly_capacity, capacity_used = (
        PRODUCT_COLUMNS.index(name) for name in ("institution_id", "yearly_capacity", "capacity_used")
    )
    rows = []
    flags = after + 1
    for raw in fetched:
        # The product's values stay in the row as read (its columns come first): no copy per product.
        values = (*plain_sql.convert(raw[:after], found), *raw[after:]) if found else raw
        row = ProductRow()
        row.values = values
        row.pk = values[0]
        row.institution_id = institution_id = values[institution_column]
        row.capacity_left = values[yearly_capacity] - values[capacity_used]
        institution = institutions.get(institution_id)
        if institution is None:
            institution = institutions[institution_id] = InstitutionRow(tuple(values[n_product:after]))
        row.institution = institution
        row.targets_hard_tech = bool(values[after])
        row.fits = {tranche_id for tranche_id, fits in zip(tranche_ids, values[flags:], strict=True) if fits}
        rows.append(row)
    return rows
