"""The catalogue as a file: reading an upload (XLSX or CSV) into rows, and exporting the products."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import tablib
from django.utils.translation import gettext as _

from ..models import Institution
from .cells import blank
from .resource import COLUMNS, ProductResource

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


class CatalogueFileError(ValueError):
    """The file as a whole cannot be read as a catalogue (not XLSX or CSV, too big, wrong columns)."""


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
        if all(blank(cell) for cell in cells):
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
