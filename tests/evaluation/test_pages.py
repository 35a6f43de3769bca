"""/evaluation/: the coordinator's page, its tables as CSV and XLSX, the quarterly report as HTML and PDF."""

import csv
import io

import pytest
from django.utils import translation

Q1 = {"scope": "national", "start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def national(client, history):
    client.force_login(history.national)
    return client


def test_a_national_coordinator_sees_indicators_funnel_and_regions(national):
    """Given the history, when the national coordinator opens the first quarter, then every indicator with
    its previous value, the funnel, the institutions and the regions' ranking are on the page."""
    response = national.get("/evaluation/", Q1)
    assert response.status_code == 200
    page = response.content.decode()
    for code in ("requests_submitted", "invest_long_share", "tech_sme_loan_share"):
        assert f'data-code="{code}"' in page
    assert "80.00%" in page  # invest_long_share
    assert "1,000.00" in page  # 10 000 000 yuan funded, in 万元
    assert 'id="table-funnel"' in page and 'id="table-regions"' in page
    assert "vendor/echarts/echarts.min.js" in page
    assert '<script id="evaluation-charts" type="application/json">' in page


def test_the_default_is_the_users_scope_over_the_last_complete_quarter(client, history):
    """Given Shanghai's coordinator, when it opens /evaluation/ without a query, then it sees Shanghai."""
    client.force_login(history.coordinator)
    response = client.get("/evaluation/")
    assert response.status_code == 200
    assert history.shanghai.name in response.content.decode()


@pytest.mark.parametrize("scope", ["110000", "national", "pilot_zones"])
def test_a_regional_coordinator_out_of_scope_gets_404(client, history, scope):
    """Given Shanghai's coordinator, when it asks for Beijing, national or the pilot zones, then 404."""
    client.force_login(history.coordinator)
    assert client.get("/evaluation/", {**Q1, "scope": scope}).status_code == 404
    assert client.get("/evaluation/export/funnel.csv", {**Q1, "scope": scope}).status_code == 404


def test_a_non_coordinator_gets_404(client, history):
    """Given an applicant, when it opens the evaluation, then 404."""
    from tests import factories as f

    client.force_login(f.UserFactory(username="eval-page-outsider"))
    assert client.get("/evaluation/").status_code == 404


def test_a_bad_period_is_a_400_naming_the_field(national):
    """Given a period that ends before it starts, when shown, then 400 with the error on the end."""
    response = national.get("/evaluation/", {**Q1, "end": "2025-12-31"})
    assert response.status_code == 400
    assert response.context["form"].errors["end"]


def test_every_table_downloads_as_csv_with_the_pages_figures(national):
    """Given the history, when the indicators are downloaded as CSV, then the rows hold the same values
    as the service (and the API)."""
    response = national.get("/evaluation/export/indicators.csv", Q1)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["funded_amount"][2] == "10000000.00"
    assert by_code["invest_long_share"][2] == "0.8000"
    for slug in ("funnel", "declines", "institutions", "regions"):
        assert national.get(f"/evaluation/export/{slug}.csv", Q1).status_code == 200


def test_every_table_downloads_as_xlsx(national):
    """Given the history, when the funnel is downloaded as XLSX, then the sheet holds the funnel's counts."""
    from openpyxl import load_workbook

    response = national.get("/evaluation/export/funnel.xlsx", Q1)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [3, 2, 2, 2, 2, 2]
    for slug in ("indicators", "declines", "institutions", "regions"):
        assert national.get(f"/evaluation/export/{slug}.xlsx", Q1).status_code == 200


def test_the_quarterly_report_prints_as_html(national):
    """Given the history, when the report is opened, then it is a standalone page with every section."""
    response = national.get("/evaluation/report/", Q1)
    assert response.status_code == 200
    page = response.content.decode()
    assert "@page" in page and "80.00%" in page


def test_the_pdf_report_has_chinese_text_in_its_text_layer(national):
    """Given the Chinese interface, when the report is downloaded as PDF, then its text layer holds the
    Chinese title and the region's name (the CJK fonts are embedded, not boxes)."""
    from pypdf import PdfReader

    with translation.override("zh-hans"):
        response = national.get(
            "/evaluation/report.pdf", {**Q1, "scope": "310000"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "上海市" in text
    assert "融资" in text or "评价" in text or "指标" in text
