"""The workflow's rules live in its tables: every row names functions of `workflow/rules.py` that exist
and run, and `available_actions` (the API's payloads, the admin's buttons) follows the tables alone."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.choices import RequestStatus, Role
from coordination.models import FinancingRequest
from coordination.permissions import sync_coordinator_group
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services.tokens import issue_token
from coordination.workflow import rules
from coordination.workflow.tables import (
    OFFER_TRANSITIONS,
    REFERRAL_TRANSITIONS,
    REQUEST_TRANSITIONS,
    Transition,
)
from tests import factories as f

pytestmark = pytest.mark.django_db
TABLES = {"request": REQUEST_TRANSITIONS, "referral": REFERRAL_TRANSITIONS, "offer": OFFER_TRANSITIONS}
NAMED = sorted(
    {
        name
        for table in TABLES.values()
        for row in table.values()
        for name in (*row.permits, *row.guards, *row.effects)
    }
)


def test_every_row_names_rules_that_exist():
    """Given the three tables, when each row's permits, guards and effects are looked up,
    then each is a function of workflow/rules.py (a typo in a table fails here, not in production)."""
    for table, rows in TABLES.items():
        for action, row in rows.items():
            assert row.action == action, (table, action)
            for name in (*row.permits, *row.guards, *row.effects):
                assert callable(getattr(rules, name, None)), (table, action, name)
    assert {"escalated_needs_national", "checker_confirms", "take_capacity", "reroute_if_stalled"} <= set(
        NAMED
    )


@pytest.fixture
def calls(monkeypatch):
    """Every rule the tables name, counted when the engine runs it (it looks rules up by name)."""
    counted: Counter = Counter()
    for name in NAMED:
        function = getattr(rules, name)

        def counting(*args, _name=name, _function=function, **kwargs):
            counted[_name] += 1
            return _function(*args, **kwargs)

        monkeypatch.setattr(rules, name, counting)
    return counted


def _routed_offer_accepted(world, user, amount="3000000"):
    request = f.draft_request(
        user=world.applicant_a, enterprise=world.enterprise_a, tranches=[("credit_loan", amount)]
    )
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=user, product_ids=[world.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=Decimal(amount),
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    rs.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    return request


def test_every_named_rule_runs_on_the_journeys_it_governs(world, settings, calls):
    """Given the three journeys (one approver, maker-checker, a decline then a withdrawal),
    when they run through the services, then every rule a table names has been exercised."""
    # One coordinator approves; the bank records its funding.
    request = _routed_offer_accepted(world, world.coordinator)
    approvals.approve_request(request_id=request.pk, user=world.coordinator)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    # Maker-checker: proposed, cancelled, proposed again, confirmed by a second national coordinator.
    settings.NATIONAL_THRESHOLD_YUAN = Decimal("1000000")
    escalated = _routed_offer_accepted(world, world.national)
    assert FinancingRequest.objects.get(pk=escalated.pk).escalated
    approvals.approve_request(request_id=escalated.pk, user=world.national)
    approvals.cancel_approval_proposal(request_id=escalated.pk, user=world.national, reason="amount to check")
    approvals.approve_request(request_id=escalated.pk, user=world.national)
    approvals.approve_request(request_id=escalated.pk, user=world.national_2)
    assert FinancingRequest.objects.get(pk=escalated.pk).status == RequestStatus.APPROVED
    # A decline sends the request back to triage; the applicant then withdraws it.
    declined = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=declined.pk, user=world.applicant_a)
    routing.route_request(request_id=declined.pk, user=world.national, product_ids=[world.loan_x.pk])
    referral = declined.referrals.get()
    rs.decline_referral(referral_id=referral.pk, user=world.bank_x_user, reason_code="outside_appetite")
    assert FinancingRequest.objects.get(pk=declined.pk).status == RequestStatus.TRIAGE
    rq.withdraw_request(request_id=declined.pk, user=world.applicant_a)

    assert sorted(name for name in NAMED if not calls[name]) == []


# --- a made-up transition: the table and nothing else ----------------------------------------------


@pytest.fixture
def flag_for_audit(monkeypatch):
    """A new row in (a patched copy of) the request table: coordinators flag a triaged request for audit,
    guarded by the escalation rule every coordinator row carries. No other file knows about it."""
    row = Transition(
        "flag_for_audit",
        frozenset({RequestStatus.TRIAGE}),
        RequestStatus.TRIAGE,
        frozenset({Role.COORDINATOR}),
        reason_required=True,
        permits=("escalated_needs_national",),
    )
    monkeypatch.setitem(REQUEST_TRANSITIONS, row.action, row)
    return row


def _triaged(world) -> FinancingRequest:
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    return FinancingRequest.objects.get(pk=request.pk)


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=user)[1]}")
    return client


def test_a_made_up_transition_is_offered_by_the_api(world, flag_for_audit):
    """Given the extra row, when the coordinator and the applicant read a triaged request over the API,
    then the coordinator's available_actions include it and the applicant's do not."""
    request = _triaged(world)
    url = f"/api/v1/financing-requests/{request.pk}/"
    coordinator = api(world.coordinator).get(url).json()["available_actions"]
    assert "flag_for_audit" in coordinator and "route" in coordinator
    applicant = api(world.applicant_a).get(url).json()["available_actions"]
    assert "flag_for_audit" not in applicant and "withdraw" in applicant
    listed = api(world.coordinator).get("/api/v1/financing-requests/").json()["results"]
    assert "flag_for_audit" in next(r for r in listed if r["id"] == request.pk)["available_actions"]


def test_a_made_up_transition_is_a_button_in_the_admin_that_works(world, flag_for_audit):
    """Given the extra row, when a coordinator opens the triaged request in the admin,
    then its button is there, and submitting its page applies the transition with its reason."""
    world.coordinator.groups.add(sync_coordinator_group())
    request = _triaged(world)
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.coordinator)
    page = client.get(reverse("admin:coordination_financingrequest_change", args=[request.pk]))
    action_url = reverse(
        "admin:coordination_financingrequest_object_action", args=[request.pk, "flag_for_audit"]
    )
    assert action_url in [tool["url"] for tool in page.context["coordination_tools"]]
    form = client.get(action_url)
    assert form.status_code == 200
    context = form.context
    client.post(context["form_url"], {"ids": context["ids"], "next": context["next"], "reason": "spot check"})
    event = request.events.order_by("-pk").first()
    assert (event.action, event.reason, event.actor) == ("flag_for_audit", "spot check", world.coordinator)


def test_without_the_row_the_admin_has_no_such_button(world):
    """Given the tables as they are, when the coordinator opens a triaged request, then no flag button."""
    world.coordinator.groups.add(sync_coordinator_group())
    request = _triaged(world)
    client = Client()
    client.force_login(world.coordinator)
    page = client.get(reverse("admin:coordination_financingrequest_change", args=[request.pk]))
    urls = [tool["url"] for tool in page.context["coordination_tools"]]
    assert not any("flag_for_audit" in url for url in urls)
    assert reverse("admin:coordination_financingrequest_object_action", args=[request.pk, "route"]) in urls
