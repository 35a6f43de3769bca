"""The applicant's whole journey (issue 12, point 8) in a real Chromium, in zh-hans, on a phone-sized screen:
sign in, register an enterprise (a wrong check character refused with its reason first), add a year's
figures, ask for a two-tranche package with its PDF documents, submit, answer the coordinator's question
with a document and resubmit, follow each referral's progress, accept one offer per tranche, switch to
English. The applicant acts only through the pages; the coordinator and the institutions act through the
services, as their own pages are not under test here. axe-core checks every state the applicant sees."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from coordination.models import FinancingRequest, Offer, Referral
from coordination.services import financing_requests as request_services
from coordination.services import referrals as referral_services
from coordination.services import routing
from projects.domain.credit_code import ALPHABET
from projects.models import Enterprise
from tests import factories as f

from .conftest import VIEWPORTS, WAIT_SECONDS, fill, sign_in, submit_form, wait_for_path
from .test_accounts import html_lang, switch_language

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests"
ENTERPRISE_NAME = "上海星衡半导体科技有限公司"
QUESTION = "请补充近两年的知识产权证书。"
VC_QUESTION = "请说明本轮融资的估值依据。"
# The order of a date field's parts follows Chromium's own locale, not the page's language.
DATE_PARTS = "return new Intl.DateTimeFormat().formatToParts(new Date()).map(p => p.type)"


@dataclass
class Files:
    business_plan: str
    financial_statements: str
    ip_certificates: str


@pytest.fixture
def pdfs(tmp_path) -> Files:
    """Real PDFs on disk, as a person would pick them in the file dialog."""
    paths = {}
    for kind in ("business_plan", "financial_statements", "ip_certificates"):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(f.pdf_bytes())
        paths[kind] = str(path)
    return Files(**paths)


@pytest.fixture
def looked_at(browser, axe):
    """What a person sees, checked: axe-core finds nothing serious, and the page fits the phone's width (a
    wider page makes the phone zoom out, and every control shrinks)."""

    def check(label: str) -> None:
        axe(label)
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= VIEWPORTS["phone"][0], f"{label}: the page is {width}px wide"

    return check


def css(browser, selector: str):
    return browser.find_element(By.CSS_SELECTOR, selector)


def press(browser, selector: str) -> None:
    """Press a button or follow a link, and wait for the page it leads to."""
    submit_form(browser, css(browser, selector))


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def wrong_check_character(code: str) -> str:
    return code[:-1] + next(char for char in ALPHABET if char != code[-1])


def type_date(browser, field_id: str, value: date) -> None:
    """Type a date into a date field as a person does: its parts in the order the browser shows them."""
    element = browser.find_element(By.ID, field_id)
    parts = {"year": f"{value:%Y}", "month": f"{value:%m}", "day": f"{value:%d}"}
    for part in (p for p in browser.execute_script(DATE_PARTS) if p in parts):
        element.send_keys(parts[part])
        if part == "year":  # a year may have up to six digits: move on by hand; month and day move on alone
            element.send_keys(Keys.ARROW_RIGHT)
    assert element.get_attribute("value") == f"{value:%Y-%m-%d}"


# --- the applicant's steps, in the pages ----------------------------------------------------------------


def register_enterprise(browser, site, looked_at) -> Enterprise:
    """The registration form: a code with a wrong check character is refused with the reason (as typed and
    on submit); with the right one the enterprise is registered and the user is its first manager."""
    valid_code = f.credit_code()
    wrong_code = wrong_check_character(valid_code)
    fill(browser, "id_credit_code", wrong_code)
    fill(browser, "id_name", ENTERPRISE_NAME)
    Select(browser.find_element(By.ID, "id_region")).select_by_value("310115")
    type_date(browser, "id_founded_on", date(2019, 5, 20))
    Select(browser.find_element(By.ID, "id_stage")).select_by_value("growth")
    Select(browser.find_element(By.ID, "id_industry")).select_by_value("software_it")
    fill(browser, "id_employees", "85")
    fill(browser, "id_tech_sme_registration_no", "202631011500777")
    fill(browser, "id_tech_sme_registration_year", "2025")
    # Checked as typed: the reason shows under the field before anything is sent.
    feedback = css(browser, "#credit-code-feedback")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda _: feedback.text)
    assert "校验码应为" in feedback.text
    press(browser, "main form button[name=action][value=register]")

    assert site.path() == "/sme/enterprises/new/"
    assert not Enterprise.objects.filter(name=ENTERPRISE_NAME).exists()
    field = browser.find_element(By.ID, "id_credit_code")
    error = field.find_element(By.XPATH, "following::div[@role='alert'][1]")
    assert f"校验码应为“{valid_code[-1]}”，实际为“{wrong_code[-1]}”" in error.text
    looked_at("registration refused: wrong check character")

    fill(browser, "id_credit_code", valid_code)
    press(browser, "main form button[name=action][value=register]")
    enterprise = Enterprise.objects.get(credit_code=valid_code)
    wait_for_path(browser, f"/sme/enterprises/{enterprise.pk}/")
    assert ENTERPRISE_NAME in css(browser, "h1").text
    assert "您是其首位管理员" in css(browser, ".messages [role=status]").text
    assert enterprise.managers.filter(username="founder").exists()
    looked_at("enterprise page, just registered")
    return enterprise


def add_last_years_figures(browser, site, looked_at, enterprise: Enterprise) -> None:
    """From the enterprise's page, "Add a year": last year's figures, which screening asks for."""
    press(browser, f"a[href='/sme/enterprises/{enterprise.pk}/financials/add/']")
    looked_at("add a year's figures")
    year = timezone.localdate().year - 1
    for field_id, value in (
        ("id_year", year),
        ("id_revenue", "32000000"),
        ("id_total_assets", "51000000"),
        ("id_total_costs", "26000000"),
        ("id_rnd_expense", "3100000"),
        ("id_staff", "85"),
        ("id_st_staff", "31"),
        ("id_invention_patents", "3"),
        ("id_class_ii_ip", "6"),
    ):
        fill(browser, field_id, str(value))
    press(browser, "main form button[type=submit]")
    wait_for_path(browser, f"/sme/enterprises/{enterprise.pk}/")
    assert str(year) in css(browser, "#financials").text
    looked_at("enterprise page with its figures")


def ask_for_a_two_tranche_package(browser, site, looked_at, pdfs: Files) -> FinancingRequest:
    """/sme/ → "Ask for financing": 500万元 over 36 months, a loan of 300万 and equity of 200万, the two
    documents screening requires, submitted (consent stated above the button)."""
    site.go("/sme/")
    looked_at("SME home with one enterprise")
    press(browser, "a[href='/sme/requests/new/']")
    assert site.path() == "/sme/requests/new/"
    looked_at("new request, empty")
    fill(browser, "id_amount", "5000000")
    fill(browser, "id_term_months", "36")
    fill(browser, "id_purpose", "建设第二条晶圆检测设备产线，并完成车规级认证。")
    Select(browser.find_element(By.ID, "id_tranches-0-instrument")).select_by_value("credit_loan")
    fill(browser, "id_tranches-0-amount", "3000000")
    Select(browser.find_element(By.ID, "id_tranches-1-instrument")).select_by_value("equity")
    fill(browser, "id_tranches-1-amount", "2000000")
    assert "500.00 万元" in css(browser, "#tranche-sum").text  # the sum, live
    browser.find_element(By.ID, "id_document_business_plan").send_keys(pdfs.business_plan)
    browser.find_element(By.ID, "id_document_financial_statements").send_keys(pdfs.financial_statements)
    assert css(browser, "#consent-statement").is_displayed()
    looked_at("new request, filled in")
    press(browser, "#submit-request")

    financing_request = FinancingRequest.objects.get(enterprise__name=ENTERPRISE_NAME)
    wait_for_path(browser, f"/sme/requests/{financing_request.reference}/")
    assert css(browser, "#request-status").get_attribute("data-status") == "triage"
    assert {t.instrument for t in financing_request.tranches.all()} == {"credit_loan", "equity"}
    assert financing_request.documents.count() == 2
    looked_at("request submitted, in triage")
    return financing_request


# --- the journey: the applicant in the pages, the others through the services -----------------------------


def test_an_applicant_goes_from_signing_in_to_an_accepted_offer_on_each_tranche(
    site, browser, looked_at, committed_world, pdfs
):
    """Given a new SME user with an account, banks X, Y and Z, a VC and the Shanghai coordinator; when the
    user registers its enterprise, adds its figures, submits a two-tranche package, answers the
    coordinator's question and the VC's, follows the referrals and accepts one offer per tranche — all in
    the pages, in Chinese — then the request is offer_accepted with the chosen offers, every page state
    passes axe and fits the phone, and the pages read in English after the language switch."""
    world = committed_world
    f.UserFactory(username="founder")
    sign_in(browser, site, "founder", PASSWORD)
    wait_for_path(browser, "/sme/")
    assert html_lang(browser) == "zh-hans"
    looked_at("SME home, no enterprise yet")
    press(browser, "#main a[href='/sme/enterprises/new/']")
    assert site.path() == "/sme/enterprises/new/"
    looked_at("registration form")

    enterprise = register_enterprise(browser, site, looked_at)
    add_last_years_figures(browser, site, looked_at, enterprise)
    financing_request = ask_for_a_two_tranche_package(browser, site, looked_at, pdfs)
    reference = financing_request.reference
    page = f"/sme/requests/{reference}/"

    # The coordinator asks for information.
    request_services.request_information(
        request_id=financing_request.pk, user=world.coordinator, reason=QUESTION
    )
    site.go(page)
    assert css(browser, "#request-status").get_attribute("data-status") == "info_requested"
    assert QUESTION in css(browser, "#info-question").text
    looked_at("information requested")
    fill(browser, "id_answer-note", "已上传知识产权证书。")
    browser.find_element(By.ID, "id_answer-document_ip_certificates").send_keys(pdfs.ip_certificates)
    press(browser, "#resubmit")
    assert site.path() == page
    assert css(browser, "#request-status").get_attribute("data-status") == "triage"
    assert "ip_certificates.pdf" in css(browser, "#documents").text
    looked_at("answered and resubmitted")

    # The coordinator routes the loan to banks X, Y and Z and the equity to the VC.
    bank_z_user = f.UserFactory(username="bank-z")
    loan_z = f.ProductFactory(
        institution=f.InstitutionFactory(name="Bank Z", kind="bank", members=[bank_z_user]), name="Z loan"
    )
    routing.route_request(
        request_id=financing_request.pk,
        user=world.coordinator,
        product_ids=[world.loan_x.pk, world.loan_y.pk, loan_z.pk, world.equity.pk],
    )
    site.go(page)
    referrals = {r.institution.name: r for r in Referral.objects.filter(request=financing_request)}
    assert set(referrals) == {"Bank X", "Bank Y", "Bank Z", "VC"}
    for referral in referrals.values():
        row = css(browser, f"#referral-{referral.pk}")
        assert "已推送" in row.text and "尚未查看" in row.text
    looked_at("routed, nothing opened yet")

    # Banks X and Y offer, bank Z declines, the VC asks a question.
    x, y, z, vc = (referrals[name] for name in ("Bank X", "Bank Y", "Bank Z", "VC"))
    for referral, user, rate in ((x, world.bank_x_user, "0.031"), (y, world.bank_y_user, "0.034")):
        referral_services.open_referral(referral_id=referral.pk, user=user)
        referral_services.make_offer(
            referral_id=referral.pk,
            user=user,
            amount=Decimal("3000000"),
            annual_rate=Decimal(rate),
            term_months=36,
            valid_until=in_days(30),
        )
    referral_services.open_referral(referral_id=z.pk, user=bank_z_user)
    referral_services.decline_referral(referral_id=z.pk, user=bank_z_user, reason_code="outside_appetite")
    referral_services.open_referral(referral_id=vc.pk, user=world.vc_user)
    referral_services.request_referral_info(referral_id=vc.pk, user=world.vc_user, reason=VC_QUESTION)
    site.go(page)
    assert "已查看" in css(browser, f"#referral-{x.pk}").text
    assert "超出风险偏好" in css(browser, f"#referral-{z.pk} .decline-reason").text
    assert "已要求补充信息" in css(browser, f"#referral-{vc.pk}").text
    assert re.search(r"剩余 \d+ 个工作日", css(browser, f"#referral-{vc.pk}").text)  # the answer's deadline
    assert VC_QUESTION in browser.find_element(By.ID, "main").text
    looked_at("referrals in progress: offers, a decline, a question")
    press(browser, "#main a[href='/sme/disclosures/']")
    disclosures = browser.find_element(By.ID, "main").text
    assert all(name in disclosures for name in ("Bank X", "Bank Y", "Bank Z", "VC"))
    looked_at("who has opened the enterprise's data")
    site.go(page)

    fill(browser, f"id_referral-{vc.pk}-note", "估值参考最近一轮投后估值及同行业可比公司。")
    press(browser, f"#answer-referral-{vc.pk}")
    assert site.path() == page
    assert css(browser, f"#referral-{vc.pk}").get_attribute("data-status") == "reviewing"
    looked_at("the VC's question answered")

    referral_services.make_offer(
        referral_id=vc.pk,
        user=world.vc_user,
        amount=Decimal("2000000"),
        terms={"stake": "0.05", "valuation": "40000000"},
        valid_until=in_days(20),
    )
    site.go(page)
    loan_offer, rival_offer = (Offer.objects.get(referral=referral) for referral in (x, y))
    equity_offer = Offer.objects.get(referral=vc)
    loan_offers = css(browser, "#tranche-1 table.offers")
    assert [row.get_attribute("id") for row in loan_offers.find_elements(By.CSS_SELECTOR, "tbody tr")] == [
        f"offer-{loan_offer.pk}",
        f"offer-{rival_offer.pk}",
    ]
    assert "3.10%" in css(browser, f"#offer-{loan_offer.pk}").text
    assert "5.00%" in css(browser, f"#offer-{equity_offer.pk}").text  # the VC's stake
    looked_at("offers side by side on each tranche")

    # Bank X's offer is accepted in a second tab; the first, still showing bank Y's button, is refused.
    first_tab = browser.current_window_handle
    browser.switch_to.new_window("tab")
    site.go(page)
    press(browser, f"#accept-offer-{loan_offer.pk}")
    browser.close()
    browser.switch_to.window(first_tab)
    press(browser, f"#accept-offer-{rival_offer.pk}")
    assert "已被取代" in css(browser, ".messages [role=alert]").text  # the engine's reason, in words
    assert css(browser, f"#offer-{loan_offer.pk}").get_attribute("data-status") == "accepted"
    assert css(browser, f"#offer-{rival_offer.pk}").get_attribute("data-status") == "superseded"
    rival = css(browser, f"#referral-{y.pk}")
    assert rival.get_attribute("data-status") == "superseded"
    assert "已出具报价" in rival.text and "尚未答复" not in rival.text  # its answer stays on record
    assert not browser.find_elements(By.CSS_SELECTOR, "#tranche-1 .accept-offer")  # one offer per tranche
    assert css(browser, "#request-status").get_attribute("data-status") == "routed"
    looked_at("the loan's offer accepted")
    press(browser, f"#accept-offer-{equity_offer.pk}")
    assert css(browser, f"#offer-{equity_offer.pk}").get_attribute("data-status") == "accepted"
    assert css(browser, "#request-status").get_attribute("data-status") == "offer_accepted"
    financing_request.refresh_from_db()
    assert financing_request.status == "offer_accepted"
    looked_at("an offer accepted on each tranche")

    switch_language(browser, "en")
    assert site.path() == page and html_lang(browser) == "en"
    assert css(browser, "h1").text == f"Financing request {reference}"
    assert css(browser, "#request-status").text == "Offer accepted"
    assert "Outside risk appetite" in css(browser, f"#referral-{z.pk} .decline-reason").text
    looked_at("the request's page in English")
    press(browser, "#main a[href='/sme/']")
    assert reference in css(browser, "#sme-requests").text
    assert "Offer accepted" in css(browser, "#sme-requests").text
    looked_at("SME home in English")
