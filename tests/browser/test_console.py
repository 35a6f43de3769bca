"""The coordinator's console in a real Chromium, in zh-hans: a national coordinator signs in to its
dashboard of queues, follows the triage queue to a large (escalated) request, routes it with the
matcher's proposal as the table shows it, and proposes approval once the offer is accepted (maker); a
second national coordinator finds it in its queue awaiting confirmation and confirms (checker).
No axe here: the admin keeps its own styling and checks (DESIGN §9)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.common.by import By

from coordination.models import FinancingRequest
from coordination.permissions import sync_coordinator_group
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests import factories as f

from .conftest import fill, follow, sign_in, submit_form, wait_for_path

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reduced_motion"), pytest.mark.viewport("desktop")]

PASSWORD = "pw-for-tests"
LARGE = "60000000"


@pytest.fixture
def large_request(committed_world):
    """A 6 000 万元 credit-loan request from enterprise A, submitted: above the national threshold, so it is
    escalated and its approval takes a maker and a checker."""
    world = committed_world
    group = sync_coordinator_group()
    for user in (world.coordinator, world.national, world.national_2):
        user.groups.add(group)
    request = f.draft_request(
        user=world.applicant_a, enterprise=world.enterprise_a, tranches=[("credit_loan", LARGE)]
    )
    request = rq.submit_request(request_id=request.pk, user=world.applicant_a)
    assert request.status == "triage" and request.escalated
    return world, request


def _reload(request) -> FinancingRequest:
    return FinancingRequest.objects.get(pk=request.pk)


def _queue(browser, key: str):
    return browser.find_element(By.CSS_SELECTOR, f"#console-queues tr.console-queue-{key}")


def _follow(browser, css: str) -> None:
    follow(browser, browser.find_element(By.CSS_SELECTOR, css))


def _to_the_request(browser, request, queue: str) -> None:
    """From the dashboard: the queue's list, then the request's page."""
    _follow(browser, f"#console-queues tr.console-queue-{queue} th a")
    assert f"queue={queue}" in browser.current_url
    change = reverse("admin:coordination_financingrequest_change", args=[request.pk])
    _follow(browser, f"#result_list a[href^='{change}']")


def _action(browser, request, action: str) -> None:
    url = reverse("admin:coordination_financingrequest_object_action", args=[request.pk, action])
    _follow(browser, f"#content .object-tools a[href^='{url}']")


def _submit_action(browser) -> None:
    submit_form(
        browser, browser.find_element(By.CSS_SELECTOR, "#coordination-action-form input[type=submit]")
    )


def test_a_national_coordinator_routes_and_two_approve_a_large_request(site, browser, large_request):
    world, request = large_request
    # Given national coordinator 1 signs in: its console opens on the dashboard of its queues, in Chinese
    sign_in(browser, site, "national-1", PASSWORD)
    wait_for_path(browser, "/admin/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    header = browser.find_element(By.ID, "header").text
    assert "Django" not in header and "administration" not in header.lower()
    assert _queue(browser, "triage").find_element(By.CSS_SELECTOR, ".console-count").text == "1"
    assert _queue(browser, "escalated").find_element(By.CSS_SELECTOR, ".console-count").text == "1"
    caption = browser.find_element(By.CSS_SELECTOR, "#console-queues caption").text
    assert caption and "queue" not in caption.lower()

    # When it follows the triage queue to the request and opens "route"
    _to_the_request(browser, request, "triage")
    _action(browser, request, "route")
    # Then the proposal is a table: the candidates with their scores, the proposed ones ticked
    table = browser.find_element(By.CSS_SELECTOR, ".console-proposal-table")
    assert "Bank X" in table.text and "Bank Y" in table.text
    ticked = table.find_elements(By.CSS_SELECTOR, f"input[name='r{request.pk}-products']:checked")
    assert {int(box.get_attribute("value")) for box in ticked} == {world.loan_x.pk, world.loan_y.pk}
    # And routing as proposed sends the request to both banks
    _submit_action(browser)
    assert _reload(request).status == "routed"
    assert {r.institution_id for r in _reload(request).referrals.all()} == {world.bank_x.pk, world.bank_y.pk}

    # Given bank X offers 6 000 万元 at 3.2% for 24 months and the applicant accepts (their own services)
    referral = request.referrals.get(institution=world.bank_x)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=Decimal(LARGE),
        annual_rate=Decimal("0.032"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    rs.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    assert _reload(request).status == "offer_accepted"

    # When national coordinator 1 follows its queue awaiting approval and proposes approval (maker)
    site.go("/admin/")
    assert _queue(browser, "awaiting_approval").find_element(By.CSS_SELECTOR, ".console-count").text == "1"
    _to_the_request(browser, request, "awaiting_approval")
    _action(browser, request, "approve")
    # Then the page says what is approved: bank X's offer, its rate and term
    accepted = browser.find_element(By.CSS_SELECTOR, ".console-accepted table").text
    assert "Bank X" in accepted and "3.2%" in accepted and "24 个月" in accepted
    fill(browser, "id_reason", "额度与重大任务融资缺口相符")
    _submit_action(browser)
    assert _reload(request).status == "offer_accepted"
    assert _reload(request).approval_proposed_by == world.national

    # And national coordinator 2 finds it awaiting confirmation and confirms (checker)
    browser.delete_all_cookies()
    sign_in(browser, site, "national-2", PASSWORD)
    wait_for_path(browser, "/admin/")
    assert (
        _queue(browser, "awaiting_confirmation").find_element(By.CSS_SELECTOR, ".console-count").text == "1"
    )
    _to_the_request(browser, request, "awaiting_confirmation")
    _action(browser, request, "approve")
    _submit_action(browser)
    approved = _reload(request)
    assert approved.status == "approved" and approved.approval_proposed_by == world.national
    assert site.path() == reverse("admin:coordination_financingrequest_change", args=[request.pk])
