"""The coordinators' admin: journeys through its actions, scoping, read-only records and queues."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination.matching.proposal import propose
from coordination.models import (
    Deadline,
    FinancingRequest,
    Holiday,
    Offer,
    OutboxMessage,
    Referral,
    ServiceLevel,
    TransitionEvent,
)
from coordination.permissions import sync_coordinator_group
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests import factories as f
from tests.factories import draft_request

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:coordination_financingrequest_changelist"


@pytest.fixture
def staff(world):
    """The world's coordinators in the coordinators' group, with exactly its (least) permissions."""
    group = sync_coordinator_group()
    for user in (world.coordinator, world.national, world.national_2):
        user.groups.add(group)
    return world


def browser(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def change_url(request) -> str:
    return reverse("admin:coordination_financingrequest_change", args=[request.pk])


def object_action_url(request, action: str) -> str:
    return reverse("admin:coordination_financingrequest_object_action", args=[request.pk, action])


def run_changelist_action(client, action: str, *requests, query: str = ""):
    """Select requests on the change list and pick an action: the intermediate page comes back."""
    return client.post(
        reverse(CHANGELIST) + query,
        {"action": f"act_{action}", "_selected_action": [r.pk for r in requests], "index": "0"},
    )


def submit(client, page, **overrides):
    """Post an action page back with its initial values (checked proposals included) and the overrides."""
    context = page.context
    data = {"ids": context["ids"], "next": context["next"]}
    forms = [context["shared_form"]] if context["shared_form"] else [row.form for row in context["rows"]]
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is not None:
                data[form.add_prefix(name)] = value
    data.update(overrides)
    return client.post(context["form_url"], data)


def act(client, request, action: str, **overrides):
    """Open a request's action page from its change page and submit it."""
    page = client.get(object_action_url(request, action))
    assert page.status_code == 200, page
    return submit(client, page, **overrides)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def reload(request) -> FinancingRequest:
    return FinancingRequest.objects.get(pk=request.pk)


def request_actions(request) -> list[str]:
    return list(
        TransitionEvent.objects.filter(request=request, object_type="financing_request").values_list(
            "action", flat=True
        )
    )


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def offer_on(referral: Referral, user, amount=None) -> Offer:
    rs.open_referral(referral_id=referral.pk, user=user)
    return rs.make_offer(
        referral_id=referral.pk, user=user, amount=amount or referral.tranche.amount, valid_until=in_days(20)
    )


def triaged(world, *, enterprise=None, applicant=None, **kwargs) -> FinancingRequest:
    applicant = applicant or world.applicant_a
    request = draft_request(user=applicant, enterprise=enterprise or world.enterprise_a, **kwargs)
    request = rq.submit_request(request_id=request.pk, user=applicant)
    assert request.status == "triage", request.screening
    return request


# --- journeys ---------------------------------------------------------------------------------------


def test_major_task_package_goes_from_draft_to_closed_through_the_admin(staff):
    w = staff
    national, national_2 = browser(w.national), browser(w.national_2)
    # Given a submitted two-tranche national major-task package (escalated)
    request = triaged(
        w,
        major_task=w.major_task,
        tranches=(("credit_loan", "40000000"), ("equity", "20000000")),
    )
    assert request.escalated
    # When a national coordinator picks "route" on the change list
    page = run_changelist_action(national, "route", request)
    assert page.status_code == 200
    form = page.context["rows"][0].form
    eligible = {pk for pk, _label in form.fields["products"].choices}
    proposed = {c.product.pk for candidates in propose(request).values() for c in candidates}
    assert {w.loan_x.pk, w.equity.pk} <= proposed <= eligible
    assert set(form.initial["products"]) == proposed  # the matcher's proposal comes pre-checked
    assert "<strong>Bank X</strong><br>X tech loan" in page.content.decode()  # the proposal table
    # And keeps bank X only, adding the VC's product by id
    prefix = f"r{request.pk}"
    response = submit(
        national,
        page,
        **{f"{prefix}-products": [w.loan_x.pk], f"{prefix}-extra_products": str(w.equity.pk)},
    )
    assert response.status_code == 302
    assert reload(request).status == "routed"
    assert {r.institution for r in Referral.objects.filter(request=request)} == {w.bank_x, w.vc}
    route_event = TransitionEvent.objects.get(
        request=request, action="route", object_type="financing_request"
    )
    assert route_event.data["edited_by_coordinator"] is True
    # And the institutions offer and the applicant accepts both
    for referral, user in (
        (request.referrals.get(institution=w.bank_x), w.bank_x_user),
        (request.referrals.get(institution=w.vc), w.vc_user),
    ):
        rs.accept_offer(offer_id=offer_on(referral, user).pk, user=w.applicant_a)
    assert reload(request).status == "offer_accepted"
    # Then the first national coordinator proposes approval (maker)
    page = national.get(object_action_url(request, "approve"))
    assert page.context["rows"][0].label == "Propose approval (maker)"
    response = submit(national, page, reason="Package fits the task's financing gap")
    assert reload(request).status == "offer_accepted"
    assert reload(request).approval_proposed_by == w.national
    assert any("second national coordinator" in text for text in texts(response))
    # And cannot confirm their own proposal: the service's refusal is a message, not a 500
    response = act(national, request, "approve")
    assert response.status_code == 200
    assert any("Nobody confirms their own proposal" in text for text in texts(response))
    assert reload(request).status == "offer_accepted"
    # And a second national coordinator confirms (checker)
    page = national_2.get(object_action_url(request, "approve"))
    assert page.context["rows"][0].label == "Confirm approval (checker)"
    response = submit(national_2, page)
    assert response.status_code == 302 and response["Location"] == change_url(request)
    assert reload(request).status == "approved"
    # And both institutions record funding, after which a coordinator closes it in the admin
    approvals.record_funding(request_id=request.pk, user=w.bank_x_user)
    approvals.record_funding(request_id=request.pk, user=w.vc_user)
    assert reload(request).status == "funded"
    response = act(national, request, "close", reason="Disbursed in full")
    assert reload(request).status == "closed"
    assert request_actions(request) == [
        "create",
        "submit",
        "screen_pass",
        "route",
        "all_tranches_accepted",
        "propose_approval",
        "confirm_approval",
        "record_funding",
        "record_funding",
        "close",
    ]
    # And the change page's timeline and the timeline page show the events and deadlines
    change = national.get(change_url(request))
    assert change.status_code == 200
    for text in (
        "approval proposed (maker)",
        "approval confirmed (checker)",
        "Disbursed in full",
        "national-2",
        "Offer accepted",
    ):
        assert text in change.content.decode()
    timeline = national.get(reverse("admin:coordination_financingrequest_timeline", args=[request.pk]))
    body = timeline.content.decode()
    assert timeline.status_code == 200
    proposed, confirmed = body.index("approval proposed (maker)"), body.index("approval confirmed (checker)")
    assert proposed < confirmed < body.index(">closed<")
    assert "Package fits the task&#x27;s financing gap" in body
    assert f"referral #{request.referrals.get(institution=w.vc).pk} · VC" in body
    assert "Cancelled" in body  # deadlines of the stages left behind


def test_single_request_goes_from_draft_to_closed_with_the_regional_coordinator(staff):
    w = staff
    coordinator = browser(w.coordinator)
    request = triaged(w)
    # When the Shanghai coordinator asks for information from the change page
    change = coordinator.get(change_url(request))
    labels = [str(tool["label"]) for tool in change.context["coordination_tools"]]
    assert {"Route to chosen products", "Request information", "Reject", "Extend deadline"} <= set(labels)
    assert "Approve / confirm approval" not in labels and "Close" not in labels
    act(coordinator, request, "request_info", reason="Please add the 2025 audit report")
    request = reload(request)
    assert request.status == "info_requested" and request.info_request == "Please add the 2025 audit report"
    # And the applicant resubmits; the coordinator routes the proposal as it stands
    rq.resubmit_request(request_id=request.pk, user=w.applicant_a, note="Added")
    response = act(coordinator, request, "route")
    assert response.status_code == 302, texts(response)
    assert reload(request).status == "routed"
    ref_x = request.referrals.get(institution=w.bank_x)
    ref_y = request.referrals.get(institution=w.bank_y)
    rs.accept_offer(offer_id=offer_on(ref_x, w.bank_x_user).pk, user=w.applicant_a)
    assert Referral.objects.get(pk=ref_y.pk).status == "superseded"
    # Then one coordinator approves, the bank funds and the coordinator closes
    response = act(coordinator, request, "approve")
    assert reload(request).status == "approved", texts(response)
    approvals.record_funding(request_id=request.pk, user=w.bank_x_user)
    act(coordinator, request, "close")
    assert reload(request).status == "closed"
    assert request_actions(request) == [
        "create",
        "submit",
        "screen_pass",
        "request_info",
        "resubmit",
        "screen_pass",
        "route",
        "all_tranches_accepted",
        "approve",
        "record_funding",
        "close",
    ]
    assert TransitionEvent.objects.get(request=request, action="request_info").reason == (
        "Please add the 2025 audit report"
    )


def test_a_declined_request_is_rerouted_from_its_queue(staff):
    w = staff
    coordinator = browser(w.coordinator)
    request = triaged(w)
    act(coordinator, request, "route", **{f"r{request.pk}-products": [w.loan_x.pk]})
    referral = request.referrals.get()
    rs.decline_referral(referral_id=referral.pk, user=w.bank_x_user, reason_code="outside_appetite")
    request = reload(request)
    assert request.status == "triage" and request.needs_rerouting
    # The re-routing queue lists it and its change page offers "re-route" instead of "route"
    queue = coordinator.get(reverse(CHANGELIST), {"queue": "needs_rerouting"})
    assert list(queue.context["cl"].result_list) == [request]
    labels = [
        str(tool["label"]) for tool in coordinator.get(change_url(request)).context["coordination_tools"]
    ]
    assert "Re-route" in labels and "Route to chosen products" not in labels
    # The proposal leaves out the bank that declined; re-routing sends it to bank Y
    page = run_changelist_action(coordinator, "reroute", request, query="?queue=needs_rerouting")
    row = page.context["rows"][0]
    eligible = {pk for pk, _label in row.form.fields["products"].choices}
    assert w.loan_y.pk in eligible and w.loan_x.pk not in eligible
    assert w.loan_y.pk in row.form.initial["products"]
    assert "Bank X (Declined)" in page.content.decode()
    response = submit(coordinator, page)
    assert response["Location"].endswith("?queue=needs_rerouting")
    request = reload(request)
    assert request.status == "routed" and not request.needs_rerouting
    assert request.referrals.filter(institution=w.bank_y, status="sent").exists()


def test_accept_partial_package_and_cancel_an_approval_proposal(staff):
    w = staff
    national = browser(w.national)
    request = triaged(
        w, major_task=w.major_task, tranches=(("credit_loan", "40000000"), ("equity", "20000000"))
    )
    routing.route_request(request_id=request.pk, user=w.national, product_ids=[w.loan_x.pk, w.equity.pk])
    loan = request.referrals.get(institution=w.bank_x)
    rs.accept_offer(offer_id=offer_on(loan, w.bank_x_user).pk, user=w.applicant_a)
    # Accepting a partial package needs a reason
    response = act(national, request, "accept_partial_package", reason="")
    assert response.status_code == 200 and "reason" in response.context["shared_form"].errors
    assert reload(request).status == "routed"
    act(national, request, "accept_partial_package", reason="Equity can follow in a later round")
    request = reload(request)
    assert request.status == "offer_accepted"
    assert request.partial_package_reason == "Equity can follow in a later round"
    assert request.referrals.get(institution=w.vc).status == "withdrawn"
    # A proposal can be cancelled, with a reason, and approval starts over
    act(national, request, "approve")
    assert reload(request).approval_proposed_by == w.national
    queue = national.get(reverse(CHANGELIST), {"queue": "awaiting_confirmation"})
    assert list(queue.context["cl"].result_list) == [request]
    act(national, request, "cancel_approval", reason="Collateral terms changed")
    request = reload(request)
    assert request.status == "offer_accepted" and request.approval_proposed_by is None
    assert TransitionEvent.objects.get(request=request, action="cancel_approval").reason == (
        "Collateral terms changed"
    )


# --- reasons, errors, bulk --------------------------------------------------------------------------


def test_reject_without_a_reason_shows_the_form_again_and_changes_nothing(staff):
    w = staff
    coordinator = browser(w.coordinator)
    request = triaged(w)
    events = TransitionEvent.objects.filter(request=request).count()
    response = act(coordinator, request, "reject", reason="   ")
    assert response.status_code == 200
    assert response.context["shared_form"].errors["reason"]
    assert reload(request).status == "triage"
    assert TransitionEvent.objects.filter(request=request).count() == events
    response = act(coordinator, request, "reject", reason="Outside the programme's fields")
    assert response.status_code == 302
    assert reload(request).status == "rejected"
    assert TransitionEvent.objects.get(request=request, action="reject").actor == w.coordinator


def test_bulk_reject_applies_to_each_request_and_reports_each(staff):
    w = staff
    coordinator = browser(w.coordinator)
    first, second = triaged(w), triaged(w)
    routed = triaged(w)
    routing.route_request(request_id=routed.pk, user=w.coordinator)
    page = run_changelist_action(coordinator, "reject", first, second, routed)
    assert page.status_code == 200 and len(page.context["rows"]) == 3
    response = submit(coordinator, page, reason="Duplicate submissions")
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    messages = texts(response)
    assert len(messages) == 3
    assert any(routed.reference in text and "Cannot reject" in text for text in messages)
    assert [reload(r).status for r in (first, second, routed)] == ["rejected", "rejected", "routed"]


def test_a_service_refusal_is_shown_as_a_message(staff):
    w = staff
    coordinator = browser(w.coordinator)
    # An escalated request in Shanghai: the regional coordinator sees it but may not route it
    request = triaged(w, tranches=(("credit_loan", "60000000"),))
    assert request.escalated
    response = act(coordinator, request, "route")
    assert response.status_code == 200
    assert any("escalated to national coordinators" in text for text in texts(response))
    assert reload(request).status == "triage"


def test_extending_a_deadline_needs_days_and_a_reason(staff):
    w = staff
    coordinator = browser(w.coordinator)
    request = triaged(w)
    pending = Deadline.objects.filter(object_type="financing_request", object_id=request.pk, state="pending")
    before = sorted(pending.values_list("due_at", flat=True))
    response = act(coordinator, request, "extend_deadline", business_days="0", reason="Holiday backlog")
    assert response.status_code == 200
    assert response.context["shared_form"].errors["business_days"]  # the service's verdict, on the field
    assert sorted(pending.values_list("due_at", flat=True)) == before
    response = act(coordinator, request, "extend_deadline", business_days="2", reason="Holiday backlog")
    assert response.status_code == 302
    after = sorted(pending.values_list("due_at", flat=True))
    assert all(new > old for new, old in zip(after, before, strict=True))
    assert TransitionEvent.objects.get(request=request, action="extend_deadline").reason == "Holiday backlog"


def test_a_reposted_action_form_changes_nothing_twice(staff):
    w = staff
    coordinator = browser(w.coordinator)
    request = triaged(w)
    routing.route_request(request_id=request.pk, user=w.coordinator, product_ids=[w.loan_x.pk])
    rs.accept_offer(offer_id=offer_on(request.referrals.get(), w.bank_x_user).pk, user=w.applicant_a)
    page = coordinator.get(object_action_url(request, "approve"))
    first = submit(coordinator, page)
    second = submit(coordinator, page)
    assert first.status_code == second.status_code == 302
    assert request_actions(request).count("approve") == 1
    assert reload(request).status == "approved"


def test_staff_without_the_change_permission_cannot_act(staff):
    w = staff
    viewer = f.coordinator("viewer", regions=[w.shanghai])
    viewer.user_permissions.add(Permission.objects.get(codename="view_financingrequest"))
    request = triaged(w)
    client = browser(viewer)
    assert client.get(change_url(request)).status_code == 200
    assert client.get(object_action_url(request, "reject")).status_code == 403
    changelist = client.get(reverse(CHANGELIST))
    assert changelist.context["action_form"] is None
    assert reload(request).status == "triage"


# --- scope and read-only ----------------------------------------------------------------------------


def test_regional_coordinator_gets_404_for_a_beijing_request(staff):
    w = staff
    beijing = triaged(w, enterprise=w.enterprise_b, applicant=w.applicant_b)
    shanghai = triaged(w)
    coordinator = browser(w.coordinator)
    assert coordinator.get(change_url(beijing)).status_code == 404
    assert coordinator.get(
        reverse("admin:coordination_financingrequest_history", args=[beijing.pk])
    ).status_code == (404)
    assert (
        coordinator.get(
            reverse("admin:coordination_financingrequest_timeline", args=[beijing.pk])
        ).status_code
        == 404
    )
    assert coordinator.get(object_action_url(beijing, "reject")).status_code == 404
    bulk = reverse("admin:coordination_financingrequest_action", args=["reject"])
    response = coordinator.post(bulk, {"ids": f"{shanghai.pk},{beijing.pk}", "reason": "x"})
    assert response.status_code == 404
    assert reload(beijing).status == reload(shanghai).status == "triage"
    assert list(coordinator.get(reverse(CHANGELIST)).context["cl"].result_list) == [shanghai]
    events = coordinator.get(reverse("admin:coordination_transitionevent_changelist"))
    assert {e.request_id for e in events.context["cl"].result_list} == {shanghai.pk}
    event = TransitionEvent.objects.filter(request=beijing).first()
    assert (
        coordinator.get(reverse("admin:coordination_transitionevent_change", args=[event.pk])).status_code
        == 404
    )
    # National coordinators see both
    national = browser(w.national)
    assert national.get(change_url(beijing)).status_code == 200
    assert {r.pk for r in national.get(reverse(CHANGELIST)).context["cl"].result_list} == {
        beijing.pk,
        shanghai.pk,
    }


def test_referrals_and_offers_are_scoped_and_read_only(staff):
    w = staff
    beijing = triaged(w, enterprise=w.enterprise_b, applicant=w.applicant_b)
    shanghai = triaged(w)
    for request in (beijing, shanghai):
        routing.route_request(request_id=request.pk, user=w.national, product_ids=[w.loan_x.pk])
        offer_on(request.referrals.get(), w.bank_x_user)
    coordinator = browser(w.coordinator)
    referrals = coordinator.get(reverse("admin:coordination_referral_changelist"))
    assert {r.request_id for r in referrals.context["cl"].result_list} == {shanghai.pk}
    offers = coordinator.get(reverse("admin:coordination_offer_changelist"))
    assert {o.request_id for o in offers.context["cl"].result_list} == {shanghai.pk}
    referral = shanghai.referrals.get()
    page = coordinator.get(reverse("admin:coordination_referral_change", args=[referral.pk]))
    assert page.status_code == 200 and not page.context["adminform"].form.fields
    assert "internal_note" not in page.content.decode()
    response = coordinator.post(reverse("admin:coordination_referral_change", args=[referral.pk]), {})
    assert response.status_code == 403
    other = beijing.referrals.get()
    assert coordinator.get(reverse("admin:coordination_referral_change", args=[other.pk])).status_code == 404


def test_status_is_never_in_a_form(staff):
    w = staff
    root = browser(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    request = triaged(w)
    page = root.get(change_url(request))
    assert page.status_code == 200
    assert "status" not in page.context["adminform"].form.fields
    assert not page.context["adminform"].form.fields
    for inline in page.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            assert "status" not in form.fields
    response = root.post(change_url(request), {"status": "closed"})
    assert response.status_code == 403
    assert reload(request).status == "triage"
    assert root.get(reverse("admin:coordination_financingrequest_add")).status_code == 403
    assert (
        root.get(reverse("admin:coordination_financingrequest_delete", args=[request.pk])).status_code == 403
    )
    for model in ("transitionevent", "deadline", "outboxmessage", "referral", "offer"):
        assert root.get(reverse(f"admin:coordination_{model}_add")).status_code == 403
    event = TransitionEvent.objects.filter(request=request).first()
    assert (
        root.post(reverse("admin:coordination_transitionevent_change", args=[event.pk]), {}).status_code
        == 403
    )
    assert (
        root.post(reverse("admin:coordination_transitionevent_delete", args=[event.pk]), {}).status_code
        == 403
    )


def test_every_read_only_list_and_page_renders_with_its_filters(staff):
    w = staff
    root = browser(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    request = triaged(w)
    routing.route_request(request_id=request.pk, user=w.coordinator, product_ids=[w.loan_x.pk])
    offer = offer_on(request.referrals.get(), w.bank_x_user)
    pages = {
        "transitionevent": (
            {"action": "route", "object_type": "referral", "actor_role": "coordinator"},
            None,
        ),
        "deadline": ({"state": "pending", "kind": "expire", "stage": "offer_window"}, None),
        "outboxmessage": ({"state": "pending"}, OutboxMessage.objects.filter(request=request).first()),
        "referral": ({"status": "offered"}, request.referrals.get()),
        "offer": ({"status": "open"}, offer),
        "financingrequest": ({"status": "routed", "innovation_center": "shanghai"}, request),
    }
    for model, (filters, obj) in pages.items():
        listing = root.get(reverse(f"admin:coordination_{model}_changelist"), filters)
        assert listing.status_code == 200, model
        assert listing.context["cl"].result_count >= 1, model
        if obj is not None:
            assert root.get(reverse(f"admin:coordination_{model}_change", args=[obj.pk])).status_code == 200
    search = root.get(reverse("admin:coordination_transitionevent_changelist"), {"q": request.reference})
    assert search.context["cl"].result_count == TransitionEvent.objects.filter(request=request).count()
    listing = root.get(reverse(CHANGELIST)).content.decode()
    assert "3,000,000.00 CNY (300 万元)" in listing


def test_a_coordinator_sets_its_own_regions_service_levels_and_only_those(staff):
    """Given the Shanghai coordinator, when it sets service levels and a holiday, then only the
    Shanghai override is saved: Beijing's, the national default and the calendar are not its own."""
    w = staff
    coordinator = browser(w.coordinator)
    add = reverse("admin:coordination_servicelevel_add")
    response = coordinator.post(
        add, {"stage": "triage", "region": w.shanghai.pk, "business_days": "2", "remind_days_before": "1"}
    )
    assert response.status_code == 302
    assert ServiceLevel.objects.get(stage="triage", region=w.shanghai).business_days == 2
    for region in (w.beijing.pk, ""):
        response = coordinator.post(
            add, {"stage": "review", "region": region, "business_days": "1", "remind_days_before": "0"}
        )
        assert response.status_code == 200 and "region" in response.context["adminform"].form.errors
    assert not ServiceLevel.objects.filter(stage="review").exists()
    response = coordinator.post(
        reverse("admin:coordination_holiday_add"),
        {"date": "2031-01-01", "name": "New Year", "is_workday": ""},
    )
    assert response.status_code == 403
    assert not Holiday.objects.filter(name="New Year").exists()


def test_a_superuser_edits_the_calendar(world):
    root = browser(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    holiday = {"date": "2031-01-01", "name": "New Year", "is_workday": ""}
    response = root.post(reverse("admin:coordination_holiday_add"), holiday)
    assert response.status_code == 302
    assert Holiday.objects.filter(name="New Year").exists()


# --- queues -----------------------------------------------------------------------------------------


def test_queue_filters_return_the_right_requests(staff):
    w = staff
    national = browser(w.national)
    triage = triaged(w)
    # routed, then back to triage for re-routing
    reroute = triaged(w)
    routing.route_request(request_id=reroute.pk, user=w.coordinator, product_ids=[w.loan_x.pk])
    rs.decline_referral(
        referral_id=reroute.referrals.get().pk, user=w.bank_x_user, reason_code="insufficient_credit"
    )
    # offer accepted, waiting for one approver
    awaiting = triaged(w)
    routing.route_request(request_id=awaiting.pk, user=w.coordinator, product_ids=[w.loan_x.pk])
    rs.accept_offer(offer_id=offer_on(awaiting.referrals.get(), w.bank_x_user).pk, user=w.applicant_a)
    # escalated, approval proposed, waiting for the checker
    confirming = triaged(w, tranches=(("credit_loan", "60000000"),))
    routing.route_request(request_id=confirming.pk, user=w.national, product_ids=[w.loan_y.pk])
    rs.accept_offer(offer_id=offer_on(confirming.referrals.get(), w.bank_y_user).pk, user=w.applicant_a)
    approvals.approve_request(request_id=confirming.pk, user=w.national)
    # escalated and already closed by a rejection: in no queue
    rejected = triaged(w, tranches=(("credit_loan", "70000000"),))
    rq.reject_request(request_id=rejected.pk, user=w.national, reason="Out of scope")
    # flagged overdue by the deadline sweep
    FinancingRequest.objects.filter(pk=triage.pk).update(overdue=True)

    def queue(name: str) -> set[str]:
        response = national.get(reverse(CHANGELIST), {"queue": name})
        assert response.status_code == 200
        return {r.reference for r in response.context["cl"].result_list}

    assert queue("triage") == {triage.reference, reroute.reference}
    assert queue("needs_rerouting") == {reroute.reference}
    assert queue("awaiting_approval") == {awaiting.reference}
    assert queue("awaiting_confirmation") == {confirming.reference}
    assert queue("escalated") == {confirming.reference}
    assert queue("overdue") == {triage.reference}
    # Past the escalation times, before any sweep ran, the requests waiting on a coordinator are overdue
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        national = browser(w.national)  # a fresh session: the first one has expired by then
        assert queue("overdue") == {
            triage.reference,
            reroute.reference,
            awaiting.reference,
            confirming.reference,
        }
    # The search finds requests by enterprise credit code
    response = national.get(reverse(CHANGELIST), {"q": w.enterprise_a.credit_code.lower()})
    assert response.context["cl"].result_count == 5
