"""/inbox/: own notifications only, unread first, in words, linked to their page; mark read."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from coordination.choices import RequestStatus
from coordination.models import Notification
from coordination.notifications import relay
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests.factories import draft_request

from .helpers import notify, relay_everything

pytestmark = pytest.mark.django_db
INBOX = "/inbox/"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """In-process: the test relays, no worker."""
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)


@pytest.fixture
def journey(world):
    """A's request asked for more information by the coordinator, then routed to banks X and Y; relayed."""
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    rq.request_information(
        request_id=request.pk, user=world.coordinator, reason="Please add the 2025 accounts"
    )
    rq.resubmit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    relay_everything()
    request.refresh_from_db()
    return request


def page(client, user, url=INBOX, language="en"):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def titles(response) -> list[str]:
    return [item.title for item in response.context["items"]]


def test_anonymous_visitor_is_sent_to_sign_in(client):
    # Given nobody signed in / When they open the inbox / Then they are asked to sign in first
    response = client.get(INBOX)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.urls("tests.inbox.urls")
def test_each_role_sees_only_its_own_notifications_each_linked_to_its_page(client, world, journey):
    """Given the journey relayed to the applicant, the Shanghai coordinator and banks X and Y
    When each opens the inbox
    Then each sees exactly its own notifications, linked to the page of its role; B and the others see none"""
    for user in (world.applicant_a, world.coordinator, world.bank_x_user, world.bank_y_user):
        response = page(client, user)
        own = set(Notification.objects.filter(user=user).values_list("pk", flat=True))
        assert own and {item.id for item in response.context["items"]} == own
    applicant = page(client, world.applicant_a).context["items"]
    assert {item.url for item in applicant} == {f"/sme/requests/{journey.reference}/"}
    bank_x = page(client, world.bank_x_user).context["items"]
    referral_x = journey.referrals.get(institution=world.bank_x)
    assert [item.url for item in bank_x] == [f"/institution/referrals/{referral_x.pk}/"]
    coordinator = page(client, world.coordinator).context["items"]
    assert {item.url for item in coordinator} == {
        reverse("admin:coordination_financingrequest_change", args=[journey.pk])
    }
    for outsider in (world.applicant_b, world.national, world.insurer_user):
        assert page(client, outsider).context["items"] == []


def test_links_are_plain_text_while_the_target_page_does_not_exist(client, world, journey, settings):
    # Given URLs without the SME and institution pages / When A opens the inbox
    settings.ROOT_URLCONF = "tests.support.urls_without_pages"
    items = page(client, world.applicant_a).context["items"]
    # Then every notification shows, none linked to a page that would 404
    assert items and all(item.url is None for item in items)


def test_notifications_read_in_words_not_codes_in_english(client, world, journey):
    # Given the coordinator asked A for information / When A reads the inbox in English
    response = page(client, world.applicant_a, language="en")
    asked = next(i for i in response.context["items"] if "more information" in i.title)
    # Then the title and the status change are words, the coordinator's note is shown
    assert asked.title == f"Request {journey.reference}: more information requested"
    assert asked.lines[0] == "Status: Triage → Information requested"
    assert "Note: Please add the 2025 accounts" in asked.lines
    assert "info_requested" not in response.content.decode()


def test_notifications_read_in_chinese_under_zh_hans(client, world, journey):
    # Given the same notification / When A reads the inbox in Chinese
    response = page(client, world.applicant_a, language="zh-hans")
    content = response.content.decode()
    asked = next(i for i in response.context["items"] if "请补充材料" in i.title)
    # Then it names the request and the step in Chinese, and the statuses by their labels, never by code
    assert asked.title == f"融资需求 {journey.reference}：请补充材料"
    with translation.override("zh-hans"):
        label = str(RequestStatus.INFO_REQUESTED.label)
    assert label in asked.lines[0]
    assert "info_requested" not in content and "screening →" not in content
    assert '<html lang="zh-hans">' in content


def test_a_notification_not_from_the_relay_shows_its_stored_text(client, world):
    # Given a notification row without a relay delivery behind it
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    Notification.objects.create(
        user=world.applicant_a,
        topic="x",
        title="Stored title",
        body="line one\nline two",
        request=request,
        delivery_key="manual-1",
    )
    # When A opens the inbox / Then the stored title and body are shown
    (item,) = page(client, world.applicant_a).context["items"]
    assert (item.title, item.lines) == ("Stored title", ["line one", "line two"])


def test_unread_come_first_then_the_newest(client, world):
    # Given four notifications, read and unread, old and new
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    now = timezone.now()
    read_old = notify(world.applicant_a, request, "offer.make", created_at=now - timedelta(days=3), read=True)
    unread_old = notify(world.applicant_a, request, "offer.make", created_at=now - timedelta(days=2))
    read_new = notify(world.applicant_a, request, "offer.make", created_at=now - timedelta(days=1), read=True)
    unread_new = notify(world.applicant_a, request, "offer.make", created_at=now)
    # When A opens the inbox
    response = page(client, world.applicant_a)
    # Then the unread come first, newest first, then the read ones, newest first; the count says 2 unread
    assert [i.id for i in response.context["items"]] == [
        unread_new.pk,
        unread_old.pk,
        read_new.pk,
        read_old.pk,
    ]
    assert [i.unread for i in response.context["items"]] == [True, True, False, False]
    assert response.context["unread_notifications"] == 2


def test_the_inbox_is_paginated(client, world):
    # Given 25 notifications / When A opens the first and the second page
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    for _ in range(25):
        notify(world.applicant_a, request, "offer.make")
    first, second = page(client, world.applicant_a), page(client, world.applicant_a, url=f"{INBOX}?page=2")
    # Then 20 are on the first page, 5 on the second, none on both
    assert (len(first.context["items"]), len(second.context["items"])) == (20, 5)
    assert not {i.id for i in first.context["items"]} & {i.id for i in second.context["items"]}


def test_marking_one_read_posts_without_javascript_and_returns_to_the_page(client, world):
    # Given two unread notifications
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    one, other = (notify(world.applicant_a, request, "offer.make") for _ in range(2))
    client.force_login(world.applicant_a)
    # When A posts "mark as read" for one, from page 1
    response = client.post(f"{INBOX}{one.pk}/read/", {"next": f"{INBOX}?page=1"})
    # Then it is read, the other is not, and A is back where they were
    assert response.status_code == 302 and response["Location"] == f"{INBOX}?page=1"
    one.refresh_from_db(), other.refresh_from_db()
    assert one.read_at is not None and other.read_at is None
    # And a GET changes nothing; a foreign "next" is not followed
    assert client.get(f"{INBOX}{other.pk}/read/").status_code == 405
    assert client.post(f"{INBOX}{other.pk}/read/", {"next": "https://evil.example/"})["Location"] == INBOX


def test_another_users_notification_is_a_404_and_stays_unread(client, world):
    # Given B's notification
    request_b = draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
    theirs = notify(world.applicant_b, request_b, "offer.make")
    # When A, a bank and a coordinator each try to mark it read
    for user in (world.applicant_a, world.bank_x_user, world.national):
        client.force_login(user)
        assert client.post(f"{INBOX}{theirs.pk}/read/").status_code == 404
        assert client.post(f"{INBOX}999999/read/").status_code == 404
    # Then it is still unread
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_the_users_own(client, world):
    # Given two unread notifications of A and one of B
    request_a = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    request_b = draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
    mine = [notify(world.applicant_a, request_a, "offer.make") for _ in range(2)]
    theirs = notify(world.applicant_b, request_b, "offer.make")
    client.force_login(world.applicant_a)
    # When A marks all read
    response = client.post(f"{INBOX}read-all/")
    # Then A's are read and B's is not; the inbox shows 0 unread
    assert response.status_code == 302 and response["Location"] == INBOX
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert page(client, world.applicant_a).context["unread_notifications"] == 0


def test_the_unread_count_is_one_query_and_only_when_shown(rf, world):
    """Given the context processor / When a template does not use the count, then no query;
    when it does, then exactly one"""
    from coordination.views.navigation import navigation

    request = rf.get("/")
    request.user = world.applicant_a
    request_a = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    notify(world.applicant_a, request_a, "offer.make")
    with CaptureQueriesContext(connection) as queries:
        context = navigation(request)
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert int(str(context["unread_notifications"])) == 1
    assert len(queries) == 1


def _mixed(world, count: int) -> None:
    """`count` notifications per role on requests, referrals and offers, half of them read."""
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount="3000000",
        valid_until=timezone.localdate() + timedelta(days=10),
    )
    for i in range(count):
        read = i % 2 == 0
        notify(world.applicant_a, request, "offer.make", read=read, object_type="offer", object_id=offer.pk)
        notify(world.bank_x_user, request, "offer.accept", read=read, object_type="offer", object_id=offer.pk)
        notify(
            world.bank_x_user,
            request,
            "referral.route",
            read=read,
            object_type="referral",
            object_id=referral.pk,
        )
        notify(world.bank_x_user, request, "financing_request.approve", read=read)
        notify(
            world.coordinator,
            request,
            "deadline.escalate",
            read=read,
            stage="triage",
            due_at=timezone.now().isoformat(),
        )


@pytest.mark.urls("tests.inbox.urls")
@pytest.mark.parametrize("role", ["applicant_a", "bank_x_user", "coordinator"])
def test_the_inbox_renders_in_the_same_number_of_queries_whatever_the_number_of_notifications(
    client, world, role
):
    """Given 2, then 15 of each kind of notification for each role
    When the user opens the inbox
    Then the number of queries is the same"""
    user = getattr(world, role)
    client.force_login(user)
    counts = []
    for batch in (2, 13):
        _mixed(world, batch)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INBOX)
        assert response.status_code == 200 and response.context["items"]
        assert all(item.url for item in response.context["items"])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
