"""An institution's product catalogue as a spreadsheet (XLSX or CSV), read and written with
django-import-export.

The file has one row per product and the columns of `COLUMNS`, the same both ways: what the export writes,
the import reads back unchanged (a round trip). Amounts are in yuan, rates and stakes as fractions (0.0285),
dates as YYYY-MM-DD, fields and regions as their codes separated by commas, yes/no as 1/0. A row with an
`id` changes that product, one without adds a product. Every row belongs to the institution the resource is
made for: it can neither name another institution's product nor move a product elsewhere.

Row numbers are the spreadsheet's own (the header is row 1), so a person finds the row they are told of.
Applying an import is lenders/services/catalogue.py's.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields as ie_fields
from import_export import resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult

from projects.credits.choices import TRIAL_2024
from projects.models import Region, TechField

from .choices import Instrument
from .models import Institution, Product
from .product_rules import product_problems

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "instrument",
    "min_amount",
    "max_amount",
    "min_term_months",
    "max_term_months",
    "fields",
    "regions",
    "for_startup",
    "for_growth",
    "for_stable",
    "requires_tech_sme",
    "min_credit_score",
    "min_credit_version",
    "rate_min",
    "rate_max",
    "stake_min",
    "stake_max",
    "yearly_capacity",
    "active_from",
    "active_until",
    "is_active",
)
M2M_COLUMNS = ("fields", "regions")
MAX_FILE_BYTES = 1024 * 1024
# A preview and an import each write every row (and its history) inside a rolled-back or committed
# transaction, a few dozen milliseconds a row on a busy two-core machine: 200 rows stay well within the
# web worker's 30-second timeout, and are far more products than one institution offers.
MAX_ROWS = 200
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CODE_SEPARATORS = re.compile(r"[,;，；、\s]+")
TRUE_WORDS = {"1", "yes", "y", "true", "是"}
FALSE_WORDS = {"0", "no", "n", "false", "否"}
CENTS = Decimal("0.01")


class CatalogueFileError(ValueError):
    """The file as a whole cannot be read as a catalogue (not XLSX or CSV, too big, wrong columns)."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- cells ------------------------------------------------------------------------------------------


class IdWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number != number.to_integral_value() or number <= 0:
            raise ValueError(
                _("“%(value)s” is not a product id: leave it empty for a new product.") % {"value": value}
            )
        return int(number)


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


class CreditVersionWidget(widgets.Widget):
    """The model version of the minimum credit; an empty cell is the default version (a file written before
    versions were named states its minimums on it)."""

    def clean(self, value, row=None, **kwargs):
        return TRIAL_2024 if _blank(value) else str(value).strip()


class InstrumentWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        code = "" if value is None else str(value).strip()
        if code not in Instrument.values:
            raise ValueError(
                _("“%(value)s” is not an instrument: use one of %(codes)s.")
                % {"value": code, "codes": ", ".join(Instrument.values)}
            )
        return code


class NumberWidget(widgets.Widget):
    """A decimal number (`places` digits kept), or None when the cell is empty."""

    def __init__(self, places: int | None = None, *, whole: bool = False):
        super().__init__()
        self.places = places
        self.whole = whole

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        text = str(value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
        if self.whole:
            if number != number.to_integral_value():
                raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
            return int(number)
        if self.places is not None:
            return number.quantize(Decimal(1).scaleb(-self.places))
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.Widget):
    def __init__(self, default: bool):
        super().__init__()
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return self.default
        word = str(int(value) if isinstance(value, (bool, float)) else value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("“%(value)s” is neither 1 (yes) nor 0 (no).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "1" if value else "0"


class DayWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.isoformat()


class CodesWidget(widgets.ManyToManyWidget):
    """Reference rows (fields, regions) by their codes; an unknown code is refused, never dropped.

    The reference tables are small: read once per import (each resource has its own copy of its widgets),
    not once per cell."""

    _by_code: dict[str, Any] | None = None

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return []
        if self._by_code is None:
            self._by_code = {item.code: item for item in self.model.objects.all()}
        text = str(int(value)) if isinstance(value, (int, float)) else str(value)
        codes = list(dict.fromkeys(code for code in CODE_SEPARATORS.split(text) if code))
        unknown = sorted(code for code in codes if code not in self._by_code)
        if unknown:
            raise ValueError(_("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)})
        return [self._by_code[code] for code in codes]

    def render(self, value, obj=None, **kwargs):
        return ",".join(sorted(row.code for row in value.all())) if value is not None else ""


def _field(column: str, widget: widgets.Widget) -> ie_fields.Field:
    return ie_fields.Field(attribute=column, column_name=column, widget=widget)


class CatalogueLoader(BaseInstanceLoader):
    """The institution's products in one read (with their fields and regions), not one read a row; a row's
    `id` that is not one of them finds nothing (the resource refuses that row)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.products = {product.pk: product for product in resource.get_queryset()}

    def get_instance(self, row):
        try:
            return self.products.get(IdWidget().clean(row.get("id")))
        except ValueError:
            return None


# --- the resource -----------------------------------------------------------------------------------


class ProductResource(resources.ModelResource):
    """One institution's products; `user` and `reason` go into each change's history."""

    id = _field("id", IdWidget())
    name = _field("name", TextWidget())
    instrument = _field("instrument", InstrumentWidget())
    min_amount = _field("min_amount", NumberWidget(2))
    max_amount = _field("max_amount", NumberWidget(2))
    min_term_months = _field("min_term_months", NumberWidget(whole=True))
    max_term_months = _field("max_term_months", NumberWidget(whole=True))
    fields = _field("fields", CodesWidget(TechField, field="code"))
    regions = _field("regions", CodesWidget(Region, field="code"))
    for_startup = _field("for_startup", YesNoWidget(True))
    for_growth = _field("for_growth", YesNoWidget(True))
    for_stable = _field("for_stable", YesNoWidget(True))
    requires_tech_sme = _field("requires_tech_sme", YesNoWidget(False))
    min_credit_score = _field("min_credit_score", NumberWidget(2))
    min_credit_version = _field("min_credit_version", CreditVersionWidget())
    rate_min = _field("rate_min", NumberWidget(4))
    rate_max = _field("rate_max", NumberWidget(4))
    stake_min = _field("stake_min", NumberWidget(4))
    stake_max = _field("stake_max", NumberWidget(4))
    yearly_capacity = _field("yearly_capacity", NumberWidget(2))
    active_from = _field("active_from", DayWidget())
    active_until = _field("active_until", DayWidget())
    is_active = _field("is_active", YesNoWidget(True))

    class Meta:
        model = Product
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("id",)
        instance_loader_class = CatalogueLoader
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        use_transactions = True

    def __init__(self, *, institution: Institution, user: Any = None, reason: str = ""):
        super().__init__()
        self.institution = institution
        self.user = user
        self.reason = reason
        self.own_ids = set(Product.objects.filter(institution=institution).values_list("pk", flat=True))
        self.rows_of_id: dict[int, int] = {}  # product id -> the import's row index that named it first

    def get_queryset(self) -> models.QuerySet[Product]:
        return (
            Product.objects.filter(institution=self.institution)
            .select_related("institution")
            .prefetch_related("fields", "regions")
            .order_by("name", "pk")
        )

    def init_instance(self, row=None) -> Product:
        return Product(institution=self.institution)

    def before_import_row(self, row, **kwargs) -> None:
        # A row naming a product of another institution (or none) is refused: it is not created under that id.
        try:
            product_id = IdWidget().clean(row.get("id"))
        except ValueError as error:
            raise ValidationError({"id": [str(error)]}) from None
        if product_id is not None and product_id not in self.own_ids:
            raise ValidationError(
                {"id": [_("No product of your institution has the id %(id)s.") % {"id": product_id}]}
            )
        if product_id is not None:
            first = self.rows_of_id.setdefault(product_id, kwargs["row_number"])
            if first != kwargs["row_number"]:
                raise ValidationError({"id": [_("Another row of the file already changes this product.")]})

    def import_instance(self, instance, row, **kwargs) -> None:
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
        # The library reads many-to-many cells only when it saves them: read them now, so that an unknown
        # code is this row's refusal on its column, with the others.
        for column in M2M_COLUMNS:
            try:
                self.fields[column].clean(row)
            except ValueError as error:
                errors[column] = [str(error)]
        instance.institution = self.institution
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True) -> None:
        errors = {name: list(_messages(e)) for name, e in (import_validation_errors or {}).items()}
        for name, messages in product_problems(instance).items():
            errors.setdefault(name, messages)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs) -> None:
        instance._history_user = self.user  # simple-history's hook: the acting user, in the audit
        instance._change_reason = self.reason


def _messages(error: Any) -> Iterable[str]:
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    if isinstance(error, (list, tuple)):
        return [str(m) for item in error for m in _messages(item)]
    return [str(error)]


# --- files ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueSheet:
    """The file's rows as a dataset, each with its row number in the spreadsheet (blank rows left out)."""

    dataset: tablib.Dataset
    row_numbers: tuple[int, ...]


def file_format(file_name: str) -> str:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in FORMATS:
        raise CatalogueFileError(_("Upload an XLSX or CSV file."))
    return extension


def _csv_rows(content: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GB18030 unless told otherwise
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [list(row) for row in csv.reader(io.StringIO(text))]
    raise CatalogueFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, OSError, ValueError):
        raise CatalogueFileError(_("The file is not a readable XLSX workbook.")) from None
    return rows


def read_sheet(content: bytes, file_name: str) -> CatalogueSheet:
    """The catalogue rows of an uploaded file, or CatalogueFileError saying why the file cannot be used."""
    kind = file_format(file_name)
    if len(content) > MAX_FILE_BYTES:
        raise CatalogueFileError(_("The file is larger than 1 MB."))
    rows = _csv_rows(content) if kind == "csv" else _xlsx_rows(content)
    if not rows:
        raise CatalogueFileError(_("The file is empty."))
    header = [("" if cell is None else str(cell)).strip() for cell in rows[0]]
    while header and not header[-1]:
        header.pop()
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in COLUMNS if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise CatalogueFileError(
            _(
                "The first row must name the columns %(columns)s, each once "
                "(unknown: %(unknown)s; missing: %(missing)s)."
            )
            % {
                "columns": ", ".join(COLUMNS),
                "unknown": ", ".join(unknown) or "—",
                "missing": ", ".join(missing) or "—",
            }
        )
    dataset = tablib.Dataset(headers=header)
    numbers = []
    for number, row in enumerate(rows[1:], start=2):
        cells = (list(row) + [None] * len(header))[: len(header)]
        if all(_blank(cell) for cell in cells):
            continue
        dataset.append(cells)
        numbers.append(number)
    if not numbers:
        raise CatalogueFileError(_("The file has no product rows."))
    if len(numbers) > MAX_ROWS:
        raise CatalogueFileError(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
    return CatalogueSheet(dataset, tuple(numbers))


def export_catalogue(institution: Institution, kind: str) -> bytes:
    """The institution's products as a file the import reads back (a round trip)."""
    if kind not in FORMATS:
        raise CatalogueFileError(_("Upload an XLSX or CSV file."))
    resource = ProductResource(institution=institution)
    dataset = resource.export(resource.get_queryset())
    if kind == "csv":
        # With a byte-order mark, Excel opens the Chinese names as UTF-8.
        return dataset.export("csv").encode("utf-8-sig")
    return dataset.export("xlsx")


# --- what an import did or would do -----------------------------------------------------------------


class RowStatus(models.TextChoices):
    NEW = "new", gettext_lazy("new")
    CHANGED = "changed", gettext_lazy("changed")
    UNCHANGED = "unchanged", gettext_lazy("unchanged")
    BAD = "bad", gettext_lazy("refused")


STATUS_OF_TYPE = {
    RowResult.IMPORT_TYPE_NEW: RowStatus.NEW,
    RowResult.IMPORT_TYPE_UPDATE: RowStatus.CHANGED,
    RowResult.IMPORT_TYPE_SKIP: RowStatus.UNCHANGED,
}


@dataclass(frozen=True)
class ImportRow:
    number: int  # the spreadsheet's row number (the header is row 1)
    status: str  # a RowStatus
    name: str
    product_id: int | None
    problems: tuple[str, ...] = ()  # "column: reason", or the reason alone

    @property
    def status_label(self) -> str:
        return str(RowStatus(self.status).label)


@dataclass(frozen=True)
class ImportReport:
    rows: tuple[ImportRow, ...]

    @property
    def bad_rows(self) -> tuple[ImportRow, ...]:
        return tuple(row for row in self.rows if row.status == RowStatus.BAD)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in RowStatus.values}


def _problem_lines(error: ValidationError) -> tuple[str, ...]:
    if not hasattr(error, "error_dict"):
        return tuple(str(m) for m in error.messages)
    lines = []
    for name, messages in error.message_dict.items():
        for message in messages:
            lines.append(str(message) if name == NON_FIELD_ERRORS else f"{name}: {message}")
    return tuple(lines)


def import_report(sheet: CatalogueSheet, result: Result) -> ImportReport:
    """Each row of the file, in order, as new, changed, unchanged or refused with its reasons."""
    rows = []
    for index, (values, outcome) in enumerate(zip(sheet.dataset.dict, result.rows, strict=True)):
        number = sheet.row_numbers[index]
        name = str(values.get("name") or "").strip()
        product_id = outcome.object_id
        if outcome.validation_error is not None:
            rows.append(
                ImportRow(number, RowStatus.BAD, name, None, _problem_lines(outcome.validation_error))
            )
        elif outcome.errors:
            # Not a rule of ours but the database's (say, a value too long for its column).
            rows.append(ImportRow(number, RowStatus.BAD, name, None, (_("This row could not be saved."),)))
        else:
            status = STATUS_OF_TYPE.get(outcome.import_type, RowStatus.BAD)
            rows.append(ImportRow(number, status, name, product_id))
    for error in result.base_errors:
        rows.append(ImportRow(0, RowStatus.BAD, "", None, (str(error.error),)))
    return ImportReport(tuple(rows))
