"""The institution's workbench in a real Chromium, in zh-hans, phone-sized: a reviewer at bank X finds a
referral in its queue as an anonymised teaser, opens it (the applicant's name appears, and the applicant's
disclosure log lists the opening), asks for information, and once the applicant has answered makes a loan
offer through the page's form; on another referral it declines with a reason code. axe-core finds no
serious or critical violation on any institution page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from coordination.models import Disclosure, FinancingRequest, Offer, Referral
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

from .conftest import fill, follow, sign_in, sign_out, submit_form, wait_for_path

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reduced_motion")]

PASSWORD = "pw-for-tests"
NAME = "上海量子光学有限公司"


def _routed(world) -> Referral:
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    return Referral.objects.get(request=request)


def _button(browser, action: str):
    return browser.find_element(By.CSS_SELECTOR, f"main form[action='{action}'] button[type=submit]")


def _set_date(browser, field_id: str, value: str) -> None:
    """A date input types in the browser's locale; the value itself is ISO whatever the locale."""
    browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.ID, field_id), value)


@pytest.fixture
def two_referrals(committed_world):
    world = committed_world
    world.enterprise_a.name = NAME
    world.enterprise_a.save()
    return world, _routed(world), _routed(world)


def test_a_reviewer_opens_asks_and_offers_and_declines_another(site, browser, axe, two_referrals):
    world, first, second = two_referrals
    # Given bank X's reviewer signs in, it lands on its queue: both referrals, as teasers, no name
    sign_in(browser, site, "bank-x", PASSWORD)
    wait_for_path(browser, reverse("institution:queue"))
    main = browser.find_element(By.ID, "main")
    assert first.request.reference in main.text and second.request.reference in main.text
    assert NAME not in browser.page_source and world.enterprise_a.credit_code not in browser.page_source
    assert "未查看" in main.text
    axe("referral queue")

    # When it follows the first referral, the page still shows the teaser and offers to open it
    referral_url = reverse("institution:referral", args=[first.pk])
    follow(browser, browser.find_element(By.CSS_SELECTOR, f"main a[href='{referral_url}']"))
    assert site.path() == referral_url
    assert NAME not in browser.page_source
    axe("referral, not opened")

    # And opens it: the applicant's name appears, and the opening is logged for the applicant
    submit_form(browser, _button(browser, reverse("institution:open", args=[first.pk])))
    assert site.path() == referral_url
    assert NAME in browser.find_element(By.ID, "main").text
    assert Disclosure.objects.filter(referral=first, institution=world.bank_x).exists()
    axe("referral, opened")

    # And asks the applicant a question: the offer form waits for the answer
    fill(browser, "id_question", "请补充2025年审计报告。")
    submit_form(browser, _button(browser, reverse("institution:ask", args=[first.pk])))
    assert Referral.objects.get(pk=first.pk).status == "info_requested"
    assert not browser.find_elements(By.ID, "id_offer-amount")

    # And once the applicant answered (through its own service), offers 300 万元 at 3.45% for 24 months
    rs.provide_referral_info(referral_id=first.pk, user=world.applicant_a, note="已上传审计报告。")
    site.go(referral_url)
    fill(browser, "id_offer-amount", "300")
    fill(browser, "id_offer-annual_rate", "3.45")
    fill(browser, "id_offer-term_months", "24")
    fill(browser, "id_offer-security", "知识产权质押")
    _set_date(browser, "id_offer-valid_until", (timezone.localdate() + timedelta(days=20)).isoformat())
    axe("referral with the offer form")
    submit_form(browser, _button(browser, reverse("institution:offer", args=[first.pk])))
    offer = Offer.objects.get(referral=first)
    assert (offer.amount, offer.annual_rate, offer.term_months) == (
        Decimal("3000000.00"),
        Decimal("0.0345"),
        24,
    )
    assert "3.45%" in browser.find_element(By.ID, "main").text

    # Then on the second referral, without opening it, it declines with a reason code and a note
    site.go(reverse("institution:referral", args=[second.pk]))
    Select(browser.find_element(By.ID, "id_reason_code")).select_by_value("outside_appetite")
    fill(browser, "id_note", "额度已满")
    submit_form(browser, _button(browser, reverse("institution:decline", args=[second.pk])))
    declined = Referral.objects.get(pk=second.pk)
    assert (declined.status, declined.decline_reason) == ("declined", "outside_appetite")
    assert not Disclosure.objects.filter(referral=second).exists()

    # And its performance page reads in Chinese and passes axe
    site.go(reverse("institution:performance"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    axe("performance")

    # And the applicant's disclosure log lists bank X's opening of the first referral only
    sign_out(browser)
    sign_in(browser, site, "applicant-a", PASSWORD)
    site.go("/sme/disclosures/")
    log = browser.find_element(By.ID, "main").text
    assert "Bank X" in log and first.request.reference in log
    assert FinancingRequest.objects.get(pk=second.request_id).reference not in log
