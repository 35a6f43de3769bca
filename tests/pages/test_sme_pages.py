"""The applicant's pages read: /sme/, /sme/requests/new/ and /sme/requests/<reference>/ for every role.

Out of scope is a 404 (applicant B never sees A's request; institutions and coordinators do not use these
pages), anonymous users are sent to sign in, an institution's internal words never reach the applicant,
and each page reads a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import timezone

from coordination.models import FinancingRequest, Offer
from tests.api.helpers import DECLINE_NOTE, INTERNAL_NOTE, build_state, users_of

pytestmark = pytest.mark.django_db

REQUEST_NAMES = ("draft_a", "triage_a", "routed_a", "accepted_a")
OTHER_ROLES = ("applicant_b", "bank_x", "bank_y", "coordinator", "national")


@pytest.fixture(scope="module")
def state(django_db_setup, django_db_blocker):
    """`build_state()` once per module, rolled back at its end; each test runs in a savepoint of it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_state()
        transaction.set_rollback(True)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def reference(name_or_pk) -> str:
    return FinancingRequest.objects.values_list("reference", flat=True).get(pk=name_or_pk)


def detail_url(ref: str) -> str:
    return f"/sme/requests/{ref}/"


# --- who may see what ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/sme/",
        "/sme/requests/new/",
        "/sme/requests/FR-2026-000001/",
        "/sme/requests/FR-2026-000001/documents/1/",
    ],
)
def test_anonymous_users_are_sent_to_sign_in(db, path):
    """Given nobody signed in, when any SME page is asked for, then the answer is the sign-in page."""
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize(
    "action_path", ["actions/withdraw/", "actions/submit/", "referrals/1/answer/", "offers/1/accept/"]
)
def test_anonymous_posts_change_nothing(state, action_path):
    """Given nobody signed in, when an action is posted on A's draft, then sign-in is asked, nothing done."""
    response = Client().post(detail_url(reference(state["draft_a"])) + action_path)
    assert response.status_code == 302
    assert FinancingRequest.objects.get(pk=state["draft_a"]).status == "draft"


@pytest.mark.parametrize("name", REQUEST_NAMES)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_members_of_the_enterprise_see_its_request(state, name, role):
    """Given A's requests, when B, an institution (even one it was routed to) or a coordinator opens one,
    its documents or its actions, then each is a 404 and nothing changes."""
    client = client_for(state.users[role])
    ref = reference(state[name])
    request = FinancingRequest.objects.get(pk=state[name])
    document = request.documents.first()
    assert client.get(detail_url(ref)).status_code == 404
    assert client.get(f"{detail_url(ref)}documents/{document.pk}/").status_code == 404
    for action in ("withdraw", "submit"):
        assert client.post(f"{detail_url(ref)}actions/{action}/").status_code == 404
    assert FinancingRequest.objects.get(pk=state[name]).status == request.status


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_offers_and_referral_answers_of_a_are_404_for_others(state, role):
    """Given A's open offer and referral, when anyone else posts to accept or answer them, then 404."""
    client = client_for(state.users[role])
    ref = reference(state["routed_a"])
    assert client.post(f"{detail_url(ref)}offers/{state['offer_x']}/accept/").status_code == 404
    assert client.post(f"{detail_url(ref)}referrals/{state['ref_x']}/answer/").status_code == 404
    assert Offer.objects.get(pk=state["offer_x"]).status == "open"


def test_b_cannot_reach_a_document_through_its_own_request(state):
    """Given B's request and A's document, when B asks for A's document under B's reference, then 404."""
    client = client_for(state.users["applicant_b"])
    ref_b = reference(state["routed_b"])
    assert client.get(f"{detail_url(ref_b)}documents/{state['document_routed_a']}/").status_code == 404
    assert client.post(f"{detail_url(ref_b)}offers/{state['offer_x']}/accept/").status_code == 404


def test_the_applicant_downloads_its_own_document(state):
    """Given A's draft with a PDF, when A downloads it, then the file comes as an attachment."""
    response = client_for(state.users["applicant_a"]).get(
        f"{detail_url(reference(state['draft_a']))}documents/{state['document_draft_a']}/"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("name", REQUEST_NAMES)
def test_the_applicant_sees_each_of_its_requests(state, name):
    """Given A's requests in every stage, when A opens each, then it shows with its status in words."""
    response = client_for(state.users["applicant_a"]).get(detail_url(reference(state[name])))
    assert response.status_code == 200
    request = FinancingRequest.objects.get(pk=state[name])
    assert f'data-status="{request.status}"' in response.content.decode()


# --- the home page ----------------------------------------------------------------------------------------


def test_home_lists_only_the_users_enterprises_and_requests(state):
    """Given A's and B's requests, when A opens /sme/, then A's enterprise and its four requests show with
    their status and next deadline, and nothing of B's."""
    response = client_for(state.users["applicant_a"]).get("/sme/")
    assert response.status_code == 200
    html = response.content.decode()
    assert state.world.enterprise_a.name in html and state.world.enterprise_b.name not in html
    for name in REQUEST_NAMES:
        assert reference(state[name]) in html
    for name in ("triage_b", "routed_b"):
        assert reference(state[name]) not in html
    triage = response.context["rows"][
        [r["request"].pk for r in response.context["rows"]].index(state["triage_a"])
    ]
    due = triage["due"]
    assert due is not None and 0 <= due.business_days_left <= 3  # triage: 3 business days
    assert due.due_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d") in html
    assert "1 unread notification" in html


@pytest.mark.parametrize("role", ("bank_x", "coordinator", "national"))
def test_home_of_a_user_without_an_enterprise_lists_nothing(state, role):
    """Given an institution reviewer or a coordinator, when they open /sme/, then no request is listed."""
    response = client_for(state.users[role]).get("/sme/")
    assert response.status_code == 200
    assert response.context["rows"] == [] and response.context["enterprises"] == []
    assert reference(state["routed_a"]) not in response.content.decode()


@pytest.mark.parametrize("role", ("bank_x", "coordinator", "national"))
def test_new_request_needs_an_enterprise(state, role):
    """Given a user who is no enterprise's member, on the form, they are asked to register one first."""
    response = client_for(state.users[role]).get("/sme/requests/new/")
    assert response.status_code == 200
    assert response.context["has_enterprise"] is False
    assert "request-form" not in response.content.decode()


def test_new_request_form_offers_only_the_users_enterprises(state):
    """Given A, when A opens the form, then only A's enterprise is offered, the consent before the buttons."""
    response = client_for(state.users["applicant_a"]).get("/sme/requests/new/")
    html = response.content.decode()
    assert state.world.enterprise_a.name in html and state.world.enterprise_b.name not in html
    assert html.index('id="consent-statement"') < html.index('id="submit-request"')
    assert 'name="intent" value="draft"' in html


# --- the request page: what it says ----------------------------------------------------------------------


def test_the_routed_request_shows_offers_side_by_side_and_no_internal_note(state):
    """Given A's request routed to banks X and Y, each with an open offer and X's internal note, when A opens
    it, then both offers show with rate, term and an accept button each, the net cost is the offer's own
    rate (no programme is in force), and X's internal note is nowhere."""
    response = client_for(state.users["applicant_a"]).get(detail_url(reference(state["routed_a"])))
    html = response.content.decode()
    assert INTERNAL_NOTE not in html
    for offer in ("offer_x", "offer_y"):
        assert f'id="accept-offer-{state[offer]}"' in html
    assert "3.10%" in html and html.count('data-net-cost="0.031000"') == 2
    assert "Bank X" in html and "Bank Y" in html
    block = response.context["blocks"][0]
    assert [row.offer.pk for row in block.offers] == [state["offer_x"], state["offer_y"]]


def test_a_decline_shows_its_reason_category_never_the_institutions_note(state):
    """Given B's request declined by X with a note, when B opens it, then the reason category shows and the
    note does not, and Y's referral shows as sent and not opened."""
    response = client_for(state.users["applicant_b"]).get(detail_url(reference(state["routed_b"])))
    html = response.content.decode()
    assert DECLINE_NOTE not in html
    assert "Outside risk appetite" in html
    rows = {row.referral.pk: row for row in response.context["blocks"][0].referrals}
    assert rows[state["ref_xb"]].decline_reason == "Outside risk appetite"
    assert rows[state["ref_yb"]].opened is False and rows[state["ref_yb"]].due is not None


def test_the_timeline_tells_what_happened_in_words(state):
    """Given A's accepted request, when A opens it, then the timeline reads in words, in order."""
    response = client_for(state.users["applicant_a"]).get(detail_url(reference(state["accepted_a"])))
    texts = [entry.text for entry in response.context["timeline"]]
    assert texts[:4] == [
        "Request saved as a draft",
        "Request submitted (consent to share it given)",
        "Screening passed",
        "Routed to financing institutions by the coordinator",
    ]
    assert "You accepted the offer of Bank X" in texts
    assert "Every tranche has an accepted offer" in texts


def test_buttons_are_the_engines(state):
    """Given A's requests, when A opens each, then the forms shown are exactly the engine's actions."""
    client = client_for(state.users["applicant_a"])
    expected = {
        "draft_a": {"submit", "withdraw"},
        "triage_a": {"withdraw"},
        "routed_a": {"withdraw", "accept"},
        "accepted_a": {"withdraw"},
    }
    for name, actions in expected.items():
        context = client.get(detail_url(reference(state[name]))).context
        shown = {
            action
            for action, form in (
                ("submit", context["submit_form"]),
                ("resubmit", context["answer_form"]),
                ("withdraw", context["withdraw_form"]),
            )
            if form is not None
        }
        if any(row.can_accept for block in context["blocks"] for row in block.offers):
            shown.add("accept")
        assert shown == actions, name


def test_users_of_the_world_cover_every_role(world):
    """Given the API tests' world, then these tests name every role it has (a new role must be added here)."""
    assert set(users_of(world)) == {"anonymous", "applicant_a", *OTHER_ROLES}
