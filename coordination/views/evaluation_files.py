"""The evaluation's tables as files (CSV, XLSX), its report as PDF, and its charts' data: the same rows
the page shows, numbers left as numbers."""

import csv
import io
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from ..evaluation.indicators import Evaluation
from ..evaluation.tables import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_name(evaluation: Evaluation, what: str) -> str:
    period, scope = evaluation.period, evaluation.scope.key.replace(":", "-")
    return f"evaluation-{scope}-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{what}"


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def csv_response(table: Table, name: str) -> HttpResponse:
    # The byte-order mark lets spreadsheet programs read the Chinese headers as UTF-8.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(column) for column in table.columns])
    writer.writerows([["" if cell is None else cell for cell in row] for row in table.rows])
    return _attachment(response, f"{name}.csv")


def xlsx_response(table: Table, name: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.slug
    sheet.append([str(column) for column in table.columns])
    for row in table.rows:
        sheet.append([_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX), f"{name}.xlsx")


def pdf_response(html: str, name: str) -> HttpResponse:
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), f"{name}.pdf")


def chart_data(tables: list[Table]) -> dict:
    """What the page's charts draw (coordination/static/coordination/evaluation-charts.js)."""
    by_slug = {table.slug: table for table in tables}
    return {
        "funnel": {"title": _("Funnel"), "items": [[row[0], row[1]] for row in by_slug["funnel"].rows]},
        "declines": {
            "title": _("Decline reasons"),
            "items": [[row[0], row[1]] for row in by_slug["declines"].rows if row[1]],
        },
        "regions": {
            "title": _("Amount funded (万元)"),
            "items": [[row[0], float(row[3] / 10000)] for row in by_slug["regions"].rows if row[3]],
        },
    }
