"""Changing an institution's catalogue: one product from a form, or a whole file (lenders/catalogue/).

Who may do it is the caller's rule (coordination/services/institutions.py: the institution's managers).
Every change is audited by the products' history (coordination/audit.py) with the acting user and why.
A file is all or nothing: if any row is refused, nothing from that file is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.api.domain_errors import NotFound, ValidationFailed
from projects.credits.choices import TRIAL_2024
from projects.models import Region, TechField

from ..catalogue.files import CatalogueFileError, read_sheet
from ..catalogue.report import ImportReport, import_report
from ..catalogue.resource import COLUMNS, M2M_COLUMNS, ProductResource
from ..models import Institution, Product
from ..product_rules import product_problems

# Written into each history row, so the audit says where a change came from.
REASON_FORM = "catalogue form"
REASON_IMPORT = "catalogue import: %(file)s"


@dataclass(frozen=True, kw_only=True)
class ProductValues:
    """A product's terms as a form gives them (amounts in yuan, rates as fractions)."""

    name: str
    instrument: str
    min_amount: Decimal | None
    max_amount: Decimal | None
    min_term_months: int | None
    max_term_months: int | None
    field_codes: Sequence[str] = ()
    region_codes: Sequence[str] = ()
    for_startup: bool = True
    for_growth: bool = True
    for_stable: bool = True
    requires_tech_sme: bool = False
    min_credit_score: Decimal | None = Decimal("0")
    min_credit_version: str = TRIAL_2024
    rate_min: Decimal | None = None
    rate_max: Decimal | None = None
    stake_min: Decimal | None = None
    stake_max: Decimal | None = None
    yearly_capacity: Decimal | None = None
    active_from: date | None = None
    active_until: date | None = None
    is_active: bool = True


# A product's own terms: the catalogue file's columns less its id and its many-to-many references.
SCALAR_FIELDS = tuple(name for name in COLUMNS if name != "id" and name not in M2M_COLUMNS)


def _references(model: type[TechField] | type[Region], codes: Sequence[str], name: str, errors: dict) -> list:
    wanted = list(dict.fromkeys(codes))
    rows: list[Any] = list(model.objects.filter(code__in=wanted))
    unknown = sorted(set(wanted) - {row.code for row in rows})
    if unknown:
        errors[name] = [_("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)}]
    return rows


def save_product(
    *, institution: Institution, user: Any, values: ProductValues, product_id: int | None = None
) -> Product:
    """Add a product to the institution's catalogue (`product_id` None) or change one of its own.

    Another institution's product is not found. Every problem is refused at once, each on its field
    (ValidationFailed), and nothing is saved. Capacity in use is not the catalogue's to change."""
    with transaction.atomic():
        if product_id is None:
            product = Product(institution=institution)
        else:
            found = (
                Product.objects.select_for_update(of=("self",))
                .filter(pk=product_id, institution=institution)
                .select_related("institution")
                .first()
            )
            if found is None:
                raise NotFound()
            product = found
        for name in SCALAR_FIELDS:
            value = getattr(values, name)
            setattr(product, name, value.strip() if isinstance(value, str) else value)
        errors = product_problems(product)
        fields = _references(TechField, values.field_codes, "fields", errors)
        regions = _references(Region, values.region_codes, "regions", errors)
        if errors:
            raise ValidationFailed(_("The product is not valid."), fields=errors)
        product._history_user = user  # type: ignore[attr-defined]  # simple-history's hook
        product._change_reason = REASON_FORM  # type: ignore[attr-defined]
        product.save()
        product.fields.set(fields)
        product.regions.set(regions)
    return product


def _sheet(content: bytes, file_name: str):
    try:
        return read_sheet(content, file_name)
    except CatalogueFileError as error:
        raise ValidationFailed(
            gettext_lazy("The file cannot be imported."), fields={"file": [str(error)]}
        ) from None


def preview_import(*, institution: Institution, content: bytes, file_name: str) -> ImportReport:
    """What importing the file would do, row by row; nothing is saved (a dry run, rolled back)."""
    sheet = _sheet(content, file_name)
    resource = ProductResource(institution=institution)
    result = resource.import_data(sheet.dataset, dry_run=True, use_transactions=True)
    return import_report(sheet, result)


class ImportRefused(ValidationFailed):
    """At least one row is bad: nothing from the file was saved. `report` says which rows and why."""

    code = "import_refused"

    def __init__(self, report: ImportReport):
        super().__init__(
            gettext_lazy("Some rows are not valid: nothing from this file was saved."),
            fields={f"row {row.number}": list(row.problems) for row in report.bad_rows},
        )
        self.report = report


def apply_import(*, institution: Institution, user: Any, content: bytes, file_name: str) -> ImportReport:
    """Import the file into the institution's catalogue, all or nothing.

    Imports of one institution run one at a time (its row is locked), so the report is of the catalogue
    each applied to. Any bad row: ImportRefused, and the transaction is rolled back."""
    sheet = _sheet(content, file_name)
    with transaction.atomic():
        Institution.objects.select_for_update().filter(pk=institution.pk).first()
        resource = ProductResource(
            institution=institution, user=user, reason=REASON_IMPORT % {"file": file_name[:80]}
        )
        result = resource.import_data(
            sheet.dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
        )
        report = import_report(sheet, result)
        if report.bad_rows:
            raise ImportRefused(report)
    return report
