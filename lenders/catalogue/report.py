"""What an import did or would do, row by row."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.results import Result, RowResult

from .files import CatalogueSheet


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
