"""What each party reads of a request's history: rivals' deadlines and internal reasons stay with its owner.

One request of applicant A, routed by the Shanghai coordinator (with a routing note) to bank X and bank Y.
X opened it and made an offer that is still open; Y opened it, made an offer and withdrew it with an
internal reason. The applicant, each bank, and the coordinator read its timeline; the applicant also reads
its notifications (inbox, e-mail, webhooks), which the outbox relay builds in-process here.
"""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from coordination.models import Deadline, Delivery, Notification, OutboxMessage, Referral, WebhookSubscription
from coordination.notifications import relay
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

pytestmark = pytest.mark.django_db

WITHDRAW_REASON = "Y-internal: credit committee lowered the sector limit"
ROUTE_NOTE = "coordinator's note: X first, Y as fallback"
APPLICANT_NOTE = "our board postponed the project"


@pytest.fixture(autouse=True)
def _in_process_relay(monkeypatch):
    """Deliveries are attempted by the test, not handed to a worker; throttles start afresh."""
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)
    cache.clear()
    yield
    cache.clear()


def relay_everything() -> None:
    for message_id in OutboxMessage.objects.filter(state="pending").values_list("pk", flat=True):
        relay.fan_out(message_id)
    for delivery_id in Delivery.objects.filter(state="pending", channel="inbox").values_list("pk", flat=True):
        relay.attempt(delivery_id)


def offer(referral: Referral, user):
    rs.open_referral(referral_id=referral.pk, user=user)
    return rs.make_offer(
        referral_id=referral.pk,
        user=user,
        amount=Decimal("3000000"),
        valid_until=timezone.localdate() + timedelta(days=20),
    )


@pytest.fixture
def rivals(world):
    world.applicant_a.email = "a@example.cn"
    world.applicant_a.save()
    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a,
        url="https://a.example.cn/hook",
        secret="s",
        created_by=world.applicant_a,
    )
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk,
        user=world.coordinator,
        product_ids=[world.loan_x.pk, world.loan_y.pk],
        reason=ROUTE_NOTE,
    )
    ref_x = request.referrals.get(institution=world.bank_x)
    ref_y = request.referrals.get(institution=world.bank_y)
    offer_x = offer(ref_x, world.bank_x_user)
    offer_y = offer(ref_y, world.bank_y_user)
    rs.withdraw_offer(offer_id=offer_y.pk, user=world.bank_y_user, reason=WITHDRAW_REASON)
    return {
        "request": request,
        "x": {("referral", ref_x.pk), ("offer", offer_x.pk)},
        "y": {("referral", ref_y.pk), ("offer", offer_y.pk)},
        "offer_y": offer_y.pk,
    }


def timeline(api, user, request) -> dict:
    response = api(user).get(f"/api/v1/financing-requests/{request.pk}/timeline/")
    assert response.status_code == 200, response.content
    return response.json()


def parts(rows: list[dict]) -> set[tuple[str, int]]:
    return {
        (row["object_type"], row["object_id"]) for row in rows if row["object_type"] != "financing_request"
    }


def reason_of(events: list[dict], object_type: str, action: str) -> list[str]:
    return [e["reason"] for e in events if (e["object_type"], e["action"]) == (object_type, action)]


# --- deadlines ------------------------------------------------------------------------------------


def test_each_bank_reads_its_own_referral_and_offer_deadlines_never_its_rivals(world, api, rivals):
    """Given both banks' referrals and offers have deadlines (X's offer still pending), when each bank
    reads the timeline, then it sees its own and the request's deadlines only; the rival's are absent."""
    all_parts = rivals["x"] | rivals["y"]
    stored = set(Deadline.objects.filter(request=rivals["request"]).values_list("object_type", "object_id"))
    assert all_parts <= stored  # the rival's deadlines exist; they are just not shown

    for bank, own, rival in [(world.bank_x_user, "x", "y"), (world.bank_y_user, "y", "x")]:
        deadlines = timeline(api, bank, rivals["request"])["deadlines"]
        assert parts(deadlines) == rivals[own], bank
        assert not parts(deadlines) & rivals[rival]
        assert any(d["object_type"] == "financing_request" for d in deadlines)


def test_the_applicant_and_the_coordinator_read_every_deadline_of_the_request(world, api, rivals):
    """Given the same request, the applicant (for its referrals' status) and the coordinator in scope
    read every referral's and offer's deadlines."""
    for user in (world.applicant_a, world.coordinator, world.national):
        deadlines = timeline(api, user, rivals["request"])["deadlines"]
        assert parts(deadlines) == rivals["x"] | rivals["y"], user


# --- internal reasons -----------------------------------------------------------------------------


def test_an_offer_withdrawal_reason_is_read_by_its_bank_and_coordinators_not_the_applicant(
    world, api, rivals
):
    """Given bank Y withdrew its offer with an internal reason, then the applicant sees the withdrawal
    without the reason, Y and the coordinators read the reason, and bank X does not see the event at all."""
    applicant = timeline(api, world.applicant_a, rivals["request"])["events"]
    assert reason_of(applicant, "offer", "withdraw") == [""]
    for user in (world.bank_y_user, world.coordinator, world.national):
        assert reason_of(timeline(api, user, rivals["request"])["events"], "offer", "withdraw") == [
            WITHDRAW_REASON
        ]
    rival = timeline(api, world.bank_x_user, rivals["request"])["events"]
    assert reason_of(rival, "offer", "withdraw") == []
    assert WITHDRAW_REASON not in json.dumps(rival) and WITHDRAW_REASON not in json.dumps(applicant)


def test_a_coordinators_routing_note_is_not_shown_to_the_applicant(world, api, rivals):
    assert reason_of(
        timeline(api, world.applicant_a, rivals["request"])["events"], "financing_request", "route"
    ) == [""]
    assert reason_of(
        timeline(api, world.coordinator, rivals["request"])["events"], "financing_request", "route"
    ) == [ROUTE_NOTE]


def test_the_applicants_notifications_carry_no_internal_reason_on_any_channel(world, api, rivals):
    """When the outbox is relayed, then the applicant's inbox, e-mail and webhook deliveries of the
    withdrawal carry no reason, and its inbox (as read over the API) does not show it."""
    relay_everything()
    withdrawn = Delivery.objects.filter(payload__topic="offer.withdraw", payload__object_id=rivals["offer_y"])
    to_applicant = withdrawn.filter(user=world.applicant_a) | withdrawn.filter(
        subscription__enterprise=world.enterprise_a
    )
    assert {d.channel for d in to_applicant} == {"inbox", "email", "webhook"}
    assert all("reason" not in d.payload for d in to_applicant)
    inbox = api(world.applicant_a).get("/api/v1/notifications/?topic=offer.withdraw").json()["results"]
    assert len(inbox) == 1 and WITHDRAW_REASON not in json.dumps(inbox)
    everything = json.dumps(
        list(Delivery.objects.filter(user=world.applicant_a).values_list("payload", flat=True))
    )
    assert WITHDRAW_REASON not in everything and ROUTE_NOTE not in everything


def test_reasons_meant_for_the_applicant_reach_it_in_the_timeline_and_the_inbox(world, api):
    """Given a coordinator asks for information and the applicant later withdraws with its own note,
    then the applicant reads both reasons in its timeline and in its inbox: the rule hides only
    others' internal reasons."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    rq.request_information(request_id=request.pk, user=world.coordinator, reason="the 2025 audit report")
    rq.withdraw_request(request_id=request.pk, user=world.applicant_a, reason=APPLICANT_NOTE)
    events = timeline(api, world.applicant_a, request)["events"]
    assert reason_of(events, "financing_request", "request_info") == ["the 2025 audit report"]
    assert reason_of(events, "financing_request", "withdraw") == [APPLICANT_NOTE]
    relay_everything()
    bodies = {n.topic: n.body for n in Notification.objects.filter(user=world.applicant_a)}
    assert "the 2025 audit report" in bodies["financing_request.request_info"]
    assert APPLICANT_NOTE in bodies["financing_request.withdraw"]
