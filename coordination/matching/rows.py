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
    __slots__ = ("id", *INSTITUTION_COLUMNS)

    def __str__(self) -> str:
        return self.name

    @property
    def pk(self) -> int:
        return self.id


class ProductRow:
    """What a Product row says, plus the query's annotations (`institution_local`,
    `targets_hard_tech`, `fits` — the ids of the tranches it is eligible for)."""

    __slots__ = (*PRODUCT_COLUMNS, "institution", "institution_local", "targets_hard_tech", "fits")

    @property
    def pk(self) -> int:
        return self.id

    @property
    def capacity_left(self) -> Decimal:
        return self.yearly_capacity - self.capacity_used

    def __str__(self) -> str:
        return f"{self.institution} — {self.name}"

    def materialize(self) -> Product:
        """The model instance (with its institution cached), no query."""
        institution = Institution.from_db(
            None,
            ["id", *INSTITUTION_COLUMNS],
            [self.institution_id, *(getattr(self.institution, c) for c in INSTITUTION_COLUMNS)],
        )
        product = Product.from_db(None, list(PRODUCT_COLUMNS), [getattr(self, c) for c in PRODUCT_COLUMNS])
        product.institution = institution
        product.institution_local = self.institution_local
        product.targets_hard_tech = self.targets_hard_tech
        return product


def fetch(queryset: QuerySet, tranche_flags: dict[int, str]) -> list[ProductRow]:
    """Run the eligible-products query as plain rows. `tranche_flags` maps tranche id to the name of
    the boolean annotation that says the product fits that tranche."""
    flag_names = list(tranche_flags.values())
    columns = [
        *PRODUCT_COLUMNS,
        *(f"institution__{c}" for c in INSTITUTION_COLUMNS),
        "institution_local",
        "targets_hard_tech",
        *flag_names,
    ]
    n_product, n_institution = len(PRODUCT_COLUMNS), len(INSTITUTION_COLUMNS)
    tranche_ids = list(tranche_flags)
    rows = []
    for values in queryset.values_list(*columns):
        row = ProductRow()
        for name, value in zip(PRODUCT_COLUMNS, values[:n_product], strict=True):
            setattr(row, name, value)
        institution = InstitutionRow()
        institution.id = row.institution_id
        for name, value in zip(
            INSTITUTION_COLUMNS, values[n_product : n_product + n_institution], strict=True
        ):
            setattr(institution, name, value)
        row.institution = institution
        rest = values[n_product + n_institution :]
        row.institution_local, row.targets_hard_tech = bool(rest[0]), bool(rest[1])
        row.fits = {tranche_id for tranche_id, fits in zip(tranche_ids, rest[2:], strict=True) if fits}
        rows.append(row)
    return rows
