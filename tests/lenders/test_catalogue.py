"""The catalogue as a file (lenders/catalogue/, lenders/services/catalogue.py): export and import read the
same columns (a round trip, XLSX and CSV); an import is previewed row by row without saving, and applied all
or nothing; a bad row is refused with its spreadsheet row number and the reason, on its column; a row cannot
reach another institution's product; every change is in the products' history with the acting user; and
lenders/product_rules.py refuses, on a field, everything the database's check constraints would."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError, transaction

from lenders.catalogue.files import export_catalogue
from lenders.catalogue.report import RowStatus
from lenders.catalogue.resource import COLUMNS
from lenders.models import Product
from lenders.product_rules import product_problems
from lenders.services import catalogue
from lenders.services.catalogue import ImportRefused, ProductValues
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(world):
    world.ai = f.TechFieldFactory(code="ai", name="人工智能")
    world.loan_x.fields.add(world.ai)
    world.loan_x.regions.add(world.shanghai)
    return world.bank_x


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def csv_file(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def new_row(**changes) -> dict:
    row = {
        "id": "",
        "name": "Green loan",
        "instrument": "credit_loan",
        "min_amount": "1000000",
        "max_amount": "5000000",
        "min_term_months": "12",
        "max_term_months": "36",
        "fields": "",
        "regions": "",
        "for_startup": "1",
        "for_growth": "1",
        "for_stable": "0",
        "requires_tech_sme": "0",
        "min_credit_score": "40",
        "rate_min": "0.03",
        "rate_max": "0.04",
        "stake_min": "",
        "stake_max": "",
        "yearly_capacity": "100000000",
        "active_from": "2026-01-01",
        "active_until": "",
        "is_active": "1",
    }
    row.update(changes)
    return row


def snapshot(institution) -> list[tuple]:
    return sorted(Product.objects.filter(institution=institution).values_list("pk", "name", "max_amount"))


# --- export and the round trip -------------------------------------------------------------------------


def test_the_csv_export_has_the_import_columns_and_the_products_values(bank, world):
    """Given bank X's loan with a field and a region, when its catalogue is exported as CSV, then the header
    is the import's columns and the row carries the loan's id, codes, yuan amounts and 1/0 flags."""
    rows = csv_rows(export_catalogue(bank, "csv"))
    assert list(rows[0]) == list(COLUMNS)
    assert [row["id"] for row in rows] == [str(world.loan_x.pk)]
    row = rows[0]
    assert (row["fields"], row["regions"], row["for_startup"]) == ("ai", "310000", "1")
    assert Decimal(row["min_amount"]) == world.loan_x.min_amount
    assert row["active_from"] == "2025-01-01"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_imported_back_changes_nothing(bank, world, kind):
    """Given an export (CSV or XLSX), when it is imported unchanged, then every row is unchanged and the
    product has no new history."""
    before = world.loan_x.history.count()
    content = export_catalogue(bank, kind)
    report = catalogue.apply_import(
        institution=bank, user=world.bank_x_user, content=content, file_name=f"c.{kind}"
    )
    assert [(row.status, row.product_id) for row in report.rows] == [(RowStatus.UNCHANGED, world.loan_x.pk)]
    assert world.loan_x.history.count() == before


def test_an_xlsx_edited_in_a_spreadsheet_imports_its_numbers_and_dates(bank, world):
    """Given an XLSX export where a spreadsheet turned the max amount into a number and a date into a date
    cell, when it is imported, then the loan is changed to those values."""
    book = openpyxl.load_workbook(io.BytesIO(export_catalogue(bank, "xlsx")))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("max_amount") + 1, value=88000000)
    sheet.cell(row=2, column=header.index("active_until") + 1, value=date(2029, 6, 30))
    out = io.BytesIO()
    book.save(out)
    report = catalogue.apply_import(
        institution=bank, user=world.bank_x_user, content=out.getvalue(), file_name="c.xlsx"
    )
    assert [row.status for row in report.rows] == [RowStatus.CHANGED]
    world.loan_x.refresh_from_db()
    assert (world.loan_x.max_amount, world.loan_x.active_until) == (Decimal("88000000"), date(2029, 6, 30))


@pytest.mark.parametrize(
    ("cell", "version"), [("2.0", "2.0"), ("", "2024-trial"), (" 2024-trial ", "2024-trial")]
)
def test_the_minimum_s_model_version_is_a_column_an_empty_cell_being_2024_trial(bank, world, cell, version):
    """Given a new row asking for 60 with `cell` as its minimum's version, when it is imported, then the
    product's minimum is on `version` (an empty cell: 2024-trial, the version of minimums stated before
    versions were named), and the export writes the version back."""
    content = csv_file([new_row(min_credit_score="60", min_credit_version=cell)])
    catalogue.apply_import(institution=bank, user=world.bank_x_user, content=content, file_name="c.csv")
    product = Product.objects.get(institution=bank, name="Green loan")
    assert (product.min_credit_score, product.min_credit_version) == (Decimal("60"), version)
    exported = {row["name"]: row for row in csv_rows(export_catalogue(bank, "csv"))}
    assert exported["Green loan"]["min_credit_version"] == version


# --- preview and import ------------------------------------------------------------------------------------


def test_the_preview_says_new_changed_and_unchanged_and_saves_nothing(bank, world):
    """Given a file with one loan unchanged, another renamed and a new product, when it is previewed, then
    the rows read unchanged / changed / new with their spreadsheet numbers, and nothing is saved."""
    f.ProductFactory(institution=bank, name="Z second loan")
    kept, second = csv_rows(export_catalogue(bank, "csv"))
    renamed = dict(second, name="Z second loan 2026")
    content = csv_file([kept, renamed, new_row()])
    before = snapshot(bank)
    report = catalogue.preview_import(institution=bank, content=content, file_name="c.csv")
    assert [(row.number, row.status) for row in report.rows] == [
        (2, RowStatus.UNCHANGED),
        (3, RowStatus.CHANGED),
        (4, RowStatus.NEW),
    ]
    assert not report.bad_rows
    assert snapshot(bank) == before


def test_a_file_with_one_bad_row_is_refused_with_its_row_number_and_reason_and_saves_nothing(bank, world):
    """Given a file whose third product has a maximum below its minimum (spreadsheet row 4, after a blank
    line that is skipped but counted), when it is imported, then ImportRefused names row 5 and max_amount,
    and neither the good new row nor the change to the loan is saved."""
    exported = csv_rows(export_catalogue(bank, "csv"))[0]
    good = new_row(name="Good one")
    bad = new_row(name="Bad one", min_amount="9000000", max_amount="1000000")
    content = csv_file([dict(exported, name="Renamed"), good]) + b",,,,,,,,,,,,,,,,,,,,,\r\n"
    content += csv_file([bad]).split(b"\r\n", 1)[1]
    before = snapshot(bank)
    with pytest.raises(ImportRefused) as refused:
        catalogue.apply_import(institution=bank, user=world.bank_x_user, content=content, file_name="c.csv")
    bad_rows = refused.value.report.bad_rows
    assert [row.number for row in bad_rows] == [5]
    assert bad_rows[0].problems == ("max_amount: Must not be less than the minimum amount.",)
    assert refused.value.fields == {"row 5": ["max_amount: Must not be less than the minimum amount."]}
    assert snapshot(bank) == before
    assert not Product.objects.filter(name="Good one").exists()


def test_a_row_naming_another_institutions_product_is_refused_and_that_product_is_untouched(bank, world):
    """Given a row with bank Y's product id, when bank X imports it, then the row is refused on `id` and
    bank Y's product keeps its name."""
    content = csv_file([new_row(id=str(world.loan_y.pk), name="Taken over")])
    report = catalogue.preview_import(institution=bank, content=content, file_name="c.csv")
    assert [(row.number, row.status) for row in report.rows] == [(2, RowStatus.BAD)]
    assert report.rows[0].problems == (f"id: No product of your institution has the id {world.loan_y.pk}.",)
    with pytest.raises(ImportRefused):
        catalogue.apply_import(institution=bank, user=world.bank_x_user, content=content, file_name="c.csv")
    world.loan_y.refresh_from_db()
    assert (world.loan_y.name, world.loan_y.institution_id) == ("Y tech loan", world.bank_y.pk)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"instrument": "equity"}, "instrument: A Bank does not offer this instrument."),
        ({"instrument": "loan"}, "instrument: “loan” is not an instrument"),
        ({"min_amount": "lots"}, "min_amount: “lots” is not a number."),
        ({"fields": "ai,no-such-field"}, "fields: Unknown codes: no-such-field."),
        ({"for_growth": "maybe"}, "for_growth: “maybe” is neither 1 (yes) nor 0 (no)."),
        ({"active_until": "2025-12-31"}, "active_until: Must not be before the start of the active window."),
        ({"active_from": "31/12/2025"}, "active_from: “31/12/2025” is not a date (YYYY-MM-DD)."),
        ({"min_credit_score": "120"}, "min_credit_score: Must be from 0 to 100."),
        (
            {"min_credit_version": "9.9"},
            "min_credit_version: “9.9” is not a published innovation-credit model version.",
        ),
        ({"name": ""}, "name: This field cannot be blank."),
        ({"id": "abc"}, "id: “abc” is not a product id"),
    ],
)
def test_each_bad_cell_is_named_with_its_column_and_reason(bank, world, changes, problem):
    content = csv_file([new_row(**changes)])
    report = catalogue.preview_import(institution=bank, content=content, file_name="c.csv")
    assert len(report.bad_rows) == 1
    assert any(line.startswith(problem) for line in report.bad_rows[0].problems), report.bad_rows[0].problems


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"not,a,catalogue\r\n1,2,3\r\n", "c.csv", "The first row must name the columns"),
        (b"PK\x03\x04 broken", "c.xlsx", "The file is not a readable XLSX workbook."),
        (b"id,name\r\n", "c.txt", "Upload an XLSX or CSV file."),
        (",".join(COLUMNS).encode() + b"\r\n", "c.csv", "The file has no product rows."),
    ],
)
def test_a_file_that_is_not_a_catalogue_is_refused_on_the_file(bank, content, name, reason):
    with pytest.raises(catalogue.ValidationFailed) as refused:
        catalogue.preview_import(institution=bank, content=content, file_name=name)
    assert refused.value.fields["file"][0].startswith(reason)


def test_a_gb18030_csv_from_a_chinese_excel_is_read(bank, world):
    content = csv_file([new_row(name="绿色信贷")]).decode().encode("gb18030")
    report = catalogue.apply_import(
        institution=bank, user=world.bank_x_user, content=content, file_name="c.csv"
    )
    assert [row.status for row in report.rows] == [RowStatus.NEW]
    assert Product.objects.get(name="绿色信贷").institution == bank


def test_an_import_is_audited_with_the_acting_user_and_the_file(bank, world):
    """Given a file renaming the loan and adding one, when bank X's user imports it, then each product's
    latest history row names that user and the file; the new one belongs to bank X."""
    exported = csv_rows(export_catalogue(bank, "csv"))[0]
    content = csv_file([dict(exported, name="Renamed"), new_row(fields="ai", regions="310000")])
    catalogue.apply_import(institution=bank, user=world.bank_x_user, content=content, file_name="march.csv")
    renamed = Product.objects.get(pk=world.loan_x.pk)
    added = Product.objects.get(name="Green loan")
    for product in (renamed, added):
        latest = product.history.first()
        assert latest.history_user == world.bank_x_user
        assert latest.history_change_reason == "catalogue import: march.csv"
    assert added.institution == bank and [r.code for r in added.regions.all()] == ["310000"]
    assert renamed.name == "Renamed"


# --- one product from a form ---------------------------------------------------------------------------


def values(**changes) -> ProductValues:
    base = {
        "name": "Form loan",
        "instrument": "credit_loan",
        "min_amount": Decimal("1000000"),
        "max_amount": Decimal("2000000"),
        "min_term_months": 6,
        "max_term_months": 24,
        "yearly_capacity": Decimal("50000000"),
        "active_from": date(2026, 1, 1),
    }
    base.update(changes)
    return ProductValues(**base)


def test_save_product_refuses_every_problem_on_its_field_and_saves_nothing(bank, world):
    with pytest.raises(catalogue.ValidationFailed) as refused:
        catalogue.save_product(
            institution=bank,
            user=world.bank_x_user,
            values=values(
                max_term_months=3, rate_min=Decimal("0.05"), rate_max=Decimal("0.04"), region_codes=["999999"]
            ),
        )
    assert set(refused.value.fields) == {"max_term_months", "rate_max", "regions"}
    assert not Product.objects.filter(name="Form loan").exists()


def test_save_product_does_not_reach_another_institutions_product(bank, world):
    with pytest.raises(catalogue.NotFound):
        catalogue.save_product(
            institution=bank, user=world.bank_x_user, values=values(), product_id=world.loan_y.pk
        )


def test_a_yearly_capacity_below_what_is_used_is_refused(bank, world):
    Product.objects.filter(pk=world.loan_x.pk).update(capacity_used=Decimal("60000000"))
    with pytest.raises(catalogue.ValidationFailed) as refused:
        catalogue.save_product(
            institution=bank, user=world.bank_x_user, values=values(), product_id=world.loan_x.pk
        )
    assert list(refused.value.fields) == ["yearly_capacity"]


# --- the rules and the constraints -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"min_amount": Decimal("0"), "max_amount": Decimal("5")}, "min_amount"),
        ({"min_amount": Decimal("10"), "max_amount": Decimal("5")}, "max_amount"),
        ({"min_term_months": 0}, "min_term_months"),
        ({"min_term_months": 30, "max_term_months": 12}, "max_term_months"),
        ({"rate_min": Decimal("0.05"), "rate_max": Decimal("0.04")}, "rate_max"),
        ({"stake_min": Decimal("0.3"), "stake_max": Decimal("0.1")}, "stake_max"),
        ({"yearly_capacity": Decimal("0")}, "yearly_capacity"),
        ({"capacity_used": Decimal("2000000000")}, "yearly_capacity"),
        ({"min_credit_score": Decimal("101")}, "min_credit_score"),
        ({"active_from": date(2026, 1, 2), "active_until": date(2026, 1, 1)}, "active_until"),
    ],
)
def test_each_check_constraint_has_its_rule_on_a_field(world, changes, field):
    """Given a product breaking one of Product's check constraints, then product_problems names the field,
    and the database refuses the same product (the rule and the constraint agree)."""
    product = Product(**{**_valid(world), **changes})
    assert field in product_problems(product)
    with pytest.raises(IntegrityError), transaction.atomic():
        product.save()


def _valid(world) -> dict:
    return {
        "institution": world.bank_x,
        "name": "Rules",
        "instrument": "credit_loan",
        "min_amount": Decimal("1"),
        "max_amount": Decimal("10"),
        "min_term_months": 1,
        "max_term_months": 12,
        "yearly_capacity": Decimal("1000"),
        "active_from": date(2026, 1, 1),
    }


def test_every_check_constraint_is_covered_by_the_cases_above():
    names = {constraint.name for constraint in Product._meta.constraints}
    assert len(names) == 10  # one case above per constraint: add a case when a constraint is added


def test_a_valid_product_has_no_problems(world):
    assert product_problems(Product(**_valid(world))) == {}


def test_a_file_with_more_rows_than_the_limit_is_refused_before_any_row_is_read(bank, monkeypatch):
    monkeypatch.setattr("lenders.catalogue.files.MAX_ROWS", 2)
    content = csv_file([new_row(name=f"P{i}") for i in range(3)])
    with pytest.raises(catalogue.ValidationFailed) as refused:
        catalogue.preview_import(institution=bank, content=content, file_name="c.csv")
    assert refused.value.fields["file"] == ["The file has more than 2 rows."]


def test_a_product_named_by_two_rows_is_refused_on_the_second(bank, world):
    exported = csv_rows(export_catalogue(bank, "csv"))[0]
    content = csv_file([dict(exported, name="First"), dict(exported, name="Second")])
    report = catalogue.preview_import(institution=bank, content=content, file_name="c.csv")
    assert [(row.number, row.status) for row in report.rows] == [(2, RowStatus.CHANGED), (3, RowStatus.BAD)]
    assert report.rows[1].problems == ("id: Another row of the file already changes this product.",)
