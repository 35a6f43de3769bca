"""The major-task financing pages (/evaluation/major-tasks/…) and the lead enterprise's package page
(/sme/packages/<id>/), for every role: out of scope is a 404; a refused form is a 400 naming the field."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coordination.models import FinancingPackage
from coordination.services import packages as ps
from tests import factories as f

from .test_packages import _funded, _submitted

pytestmark = pytest.mark.django_db

ROLES = ("applicant_a", "applicant_b", "bank_x", "coordinator", "national")


def _user(world, role):
    return {
        "applicant_a": world.applicant_a,
        "applicant_b": world.applicant_b,
        "bank_x": world.bank_x_user,
        "coordinator": world.coordinator,
        "national": world.national,
    }[role]


def _client(world, role) -> Client:
    client = Client()
    client.force_login(_user(world, role))
    return client


@pytest.fixture
def pages(world):
    world.enterprise_a.managers.add(world.applicant_a)
    world.beijing_task = f.MajorTaskFactory(lead_enterprise=world.enterprise_b, code="2026YFBJ0001")
    drafted = [
        ps.create_package(
            user=world.coordinator,
            major_task_id=world.major_task.pk,
            purpose="Pilot line",
            tranches=[ps.PackageTrancheInput("credit_loan", "3000000", 24, [world.bank_x.pk])],
        )
        for _ in range(2)
    ]
    world.draft, world.proposed = drafted
    ps.propose_package(user=world.coordinator, package_id=world.proposed.pk)
    return world


def _expect(line: str) -> dict[str, int]:
    return dict(zip(ROLES, (int(code) for code in line.split()), strict=True))


GETS = [
    ("/evaluation/major-tasks/", "404 404 404 200 200"),
    ("/evaluation/major-tasks/{task}/", "404 404 404 200 200"),
    ("/evaluation/major-tasks/{beijing_task}/", "404 404 404 404 200"),
    ("/evaluation/major-tasks/{task}/packages/new/", "404 404 404 200 200"),
    ("/evaluation/major-tasks/{beijing_task}/packages/new/", "404 404 404 404 200"),
    ("/sme/packages/{proposed}/", "200 404 404 404 404"),
    ("/sme/packages/{draft}/", "404 404 404 404 404"),
]


def _path(world, template: str) -> str:
    return template.format(
        task=world.major_task.pk,
        beijing_task=world.beijing_task.pk,
        proposed=world.proposed.pk,
        draft=world.draft.pk,
    )


@pytest.mark.parametrize(("template", "line"), GETS)
def test_every_page_for_every_role(pages, template, line):
    for role, expected in _expect(line).items():
        response = _client(pages, role).get(_path(pages, template))
        assert response.status_code == expected, (template, role)


@pytest.mark.parametrize(
    ("template", "line"),
    [
        ("/evaluation/packages/{draft}/propose/", "404 404 404 302 302"),
        ("/sme/packages/{proposed}/confirm/", "302 404 404 404 404"),
        ("/sme/packages/{proposed}/decline/", "302 404 404 404 404"),
        ("/sme/packages/{draft}/confirm/", "404 404 404 404 404"),
    ],
)
def test_every_action_for_every_role(pages, template, line):
    from django.db import transaction

    for role, expected in _expect(line).items():
        with transaction.atomic():
            response = _client(pages, role).post(_path(pages, template), {"reason": "Not now"})
            assert response.status_code == expected, (template, role, response.content[:300])
            transaction.set_rollback(True)


def test_the_coordinator_drafts_a_package_from_the_page(pages):
    client = _client(pages, "national")
    url = f"/evaluation/major-tasks/{pages.major_task.pk}/packages/new/"
    data = {
        "purpose": "Close the gap",
        "tranches-TOTAL_FORMS": "3",
        "tranches-INITIAL_FORMS": "0",
        "tranches-MIN_NUM_FORMS": "1",
        "tranches-MAX_NUM_FORMS": "10",
        "tranches-0-instrument": "credit_loan",
        "tranches-0-amount": "5000000",
        "tranches-0-term_months": "36",
        "tranches-0-institutions": [str(pages.bank_x.pk), str(pages.bank_y.pk)],
        "tranches-1-instrument": "rd_insurance",
        "tranches-1-amount": "1000000",
        "tranches-1-term_months": "12",
        "tranches-1-institutions": [str(pages.insurer.pk)],
    }
    response = client.post(url, data)
    assert response.status_code == 302
    package = FinancingPackage.objects.latest("pk")
    assert [(t.instrument, t.amount, t.term_months) for t in package.tranches.all()] == [
        ("credit_loan", Decimal("5000000"), 36),
        ("rd_insurance", Decimal("1000000"), 12),
    ]
    # An institution that does not offer the instrument: 400, the error on that row's field, nothing saved
    count = FinancingPackage.objects.count()
    bad = {**data, "tranches-1-institutions": [str(pages.bank_x.pk)]}
    response = client.post(url, bad)
    assert response.status_code == 400
    assert response.context["tranches"].forms[1].errors["institutions"]
    assert FinancingPackage.objects.count() == count


def test_the_lead_enterprise_confirms_with_its_documents_and_lands_on_its_request(pages):
    client = _client(pages, "applicant_a")
    assert b"sme-packages" in client.get("/sme/").content
    documents = {
        f"document_{kind}": SimpleUploadedFile(f"{kind}.pdf", f.pdf_bytes(), "application/pdf")
        for kind in ("business_plan", "financial_statements")
    }
    response = client.post(f"/sme/packages/{pages.proposed.pk}/confirm/", documents)
    pages.proposed.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/sme/requests/{pages.proposed.request.reference}/"
    assert pages.proposed.request.status == "triage"


def test_declining_without_a_reason_is_400_on_the_reason(pages):
    response = _client(pages, "applicant_a").post(
        f"/sme/packages/{pages.proposed.pk}/decline/", {"reason": ""}
    )
    assert response.status_code == 400
    assert response.context["decline_form"].errors["reason"]
    pages.proposed.refresh_from_db()
    assert pages.proposed.status == "proposed"


def test_the_financing_page_shows_the_gap_and_reads_a_fixed_number_of_queries(pages):
    client = _client(pages, "national")
    url = f"/evaluation/major-tasks/{pages.major_task.pk}/"
    package = _submitted(pages)
    _funded(pages, package.request, pages.bank_x_user)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert "29,700.00" in response.content.decode()  # 300 M gap less 3 M funded, in 万元
    more = _submitted(pages, ps.PackageTrancheInput("credit_loan", "2000000", 24, [pages.bank_y.pk]))
    _funded(pages, more.request, pages.bank_y_user)
    with CaptureQueriesContext(connection) as two:
        response = client.get(url)
    assert "29,500.00" in response.content.decode()
    assert len(two) == len(one), [q["sql"] for q in two.captured_queries]


def test_the_gap_closed_per_task_downloads_as_csv_and_xlsx(pages):
    """Given a funded package this month, when the evaluation's task table is downloaded, then the task's
    row holds the funding of the period and the gap left; a regional coordinator's scope leaves out tasks
    led from elsewhere, and a non-coordinator gets a 404."""
    import csv
    import io

    from django.utils import timezone
    from openpyxl import load_workbook

    package = _submitted(pages)
    _funded(pages, package.request, pages.bank_x_user)
    today = timezone.localdate()
    query = {"scope": "national", "start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    national = _client(pages, "national")
    response = national.get("/evaluation/export/tasks.csv", query)
    assert response.status_code == 200
    rows = {row[0]: row for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    task = rows[pages.major_task.code]
    assert (task[3], task[4], task[7]) == ("300000000.00", "3000000.00", "297000000.00")
    assert rows[pages.beijing_task.code][4] == "0"
    sheet = load_workbook(io.BytesIO(national.get("/evaluation/export/tasks.xlsx", query).content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == set(rows) - {"Code", "代码"}
    shanghai = {**query, "scope": "310000"}
    regional = _client(pages, "coordinator").get("/evaluation/export/tasks.csv", shanghai)
    codes = {row[0] for row in csv.reader(io.StringIO(regional.content.decode("utf-8-sig")))}
    assert pages.major_task.code in codes and pages.beijing_task.code not in codes
    assert _client(pages, "applicant_a").get("/evaluation/export/tasks.csv", query).status_code == 404
