"""Light rows for the eligible products: scoring hundreds of candidates per request does not need a
model instance each; the few that are proposed or shown become real Product (and Institution)
instances, built from the same row without another query."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from lenders.models import Institution, Product

# Every concrete column, so that a materialized instance is complete (nothing deferred, safe to save).
PRODUCT_COLUMNS = tuple(f.attname for f in Product._meta.concrete_fields)
INSTITUTION_COLUMNS = tuple(f.attname for f in Institution._meta.concrete_fields if f.attname != "id")


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
    """A Product row read by attribute, plus the query's annotations (`institution_local`,
    `targets_hard_tech`, `fits` — the ids of the tranches it is eligible for)."""

    __slots__ = ("values", "institution", "institution_local", "targets_hard_tech", "fits")

    @property
    def pk(self) -> int:
        return self.values[0]

    @property
    def capacity_left(self) -> Decimal:
        return self.yearly_capacity - self.capacity_used

    def __str__(self) -> str:
        return f"{self.institution} — {self.name}"

    def materialize(self) -> Product:
        """The model instance (with its institution cached), no query."""
        institution = Institution.from_db(None, ["id", *INSTITUTION_COLUMNS], list(self.institution.values))
        product = Product.from_db(None, list(PRODUCT_COLUMNS), list(self.values))
        product.institution = institution
        product.institution_local = self.institution_local
        product.targets_hard_tech = self.targets_hard_tech
        return product


def _column(index: int) -> property:
    return property(lambda row: row.values[index])


for _index, _name in enumerate(PRODUCT_COLUMNS):
    setattr(ProductRow, _name, _column(_index))
for _index, _name in enumerate(INSTITUTION_COLUMNS, start=1):
    setattr(InstitutionRow, _name, _column(_index))


def fetch(queryset: QuerySet, tranche_flags: dict[int, str]) -> list[ProductRow]:
    """Run the eligible-products query as plain rows. `tranche_flags` maps tranche id to the name of
    the boolean annotation that says the product fits that tranche."""
    columns = [
        *PRODUCT_COLUMNS,
        "institution_id",
        *(f"institution__{c}" for c in INSTITUTION_COLUMNS),
        "institution_local",
        "targets_hard_tech",
        *tranche_flags.values(),
    ]
    n_product = len(PRODUCT_COLUMNS)
    n_institution = 1 + len(INSTITUTION_COLUMNS)
    after = n_product + n_institution
    tranche_ids = list(tranche_flags)
    institutions: dict[int, InstitutionRow] = {}
    rows = []
    for values in queryset.values_list(*columns):
        row = ProductRow()
        row.values = values[:n_product]
        institution_id = values[n_product]
        institution = institutions.get(institution_id)
        if institution is None:
            institution = institutions[institution_id] = InstitutionRow(values[n_product:after])
        row.institution = institution
        row.institution_local = bool(values[after])
        row.targets_hard_tech = bool(values[after + 1])
        row.fits = {
            tranche_id for tranche_id, fits in zip(tranche_ids, values[after + 2 :], strict=True) if fits
        }
        rows.append(row)
    return rows
