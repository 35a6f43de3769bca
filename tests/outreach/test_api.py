"""Recommendation lists over the API (issue 18): every role on every endpoint, the teaser before opening,
a rival bank's follow-up a 404, bad input a 400 naming the field."""

import json

import pytest
from django.utils import timezone

from coordination.models import ProgrammeLedgerEntry

BASE = "/api/v1/recommendation-lists/"
CRITERIA = {"min_credit": "70", "credit_version": "2.0", "tech_sme": True, "fields": ["ic-test"]}


def create(api, user, **body):
    payload = {"code": "ic-top", "title": "IC top", "national": True, "criteria": CRITERIA, **body}
    return api(user).post(BASE, payload, format="json")


@pytest.fixture
def published(outreach, api):
    w = outreach
    response = create(api, w.national)
    assert response.status_code == 201, response.content
    list_id = response.json()["id"]
    response = api(w.national).post(
        f"{BASE}{list_id}/publish/", {"institutions": [w.bank_x.pk, w.bank_y.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    w.list_id = list_id
    w.entry_a = next(
        e["id"] for e in api(w.national).get(f"{BASE}{list_id}/entries/").json() if e["position"] == 1
    )
    return w


@pytest.mark.django_db
def test_teaser_until_opened_then_financing_and_rival_404(published, api):
    w = published
    x, y = api(w.bank_x_user), api(w.bank_y_user)
    entries = x.get(f"{BASE}{w.list_id}/entries/")
    assert entries.status_code == 200
    body = json.dumps(entries.json(), ensure_ascii=False)
    for secret in (w.enterprise_a.name, w.enterprise_a.credit_code, "30000000", w.enterprise_c.name):
        assert secret not in body
    assert all(not e["disclosed"] and e["enterprise"] is None for e in entries.json())
    detail = x.get(f"{BASE}{w.list_id}/entries/{w.entry_a}/")
    assert w.enterprise_a.credit_code not in detail.content.decode()
    # The list itself does not name the other recipients to a bank.
    assert x.get(f"{BASE}{w.list_id}/").json()["institutions"] == []

    opened = x.post(f"{BASE}{w.list_id}/entries/{w.entry_a}/open/")
    assert opened.status_code == 200, opened.content
    assert opened.json()["enterprise"]["credit_code"] == w.enterprise_a.credit_code
    # Bank Y still reads the teaser.
    assert y.get(f"{BASE}{w.list_id}/entries/{w.entry_a}/").json()["enterprise"] is None

    financed = x.post(
        f"{BASE}{w.list_id}/entries/{w.entry_a}/follow-up/",
        {
            "status": "financed",
            "instrument": "credit_loan",
            "amount": "3000000",
            "annual_rate": "0.0345",
            "term_months": 24,
            "financed_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert financed.status_code == 200, financed.content
    follow_up_id = financed.json()["id"]
    assert ProgrammeLedgerEntry.objects.filter(follow_up_id=follow_up_id, movement="commit").exists()

    assert x.get(f"{BASE}{w.list_id}/follow-ups/{follow_up_id}/").status_code == 200
    assert y.get(f"{BASE}{w.list_id}/follow-ups/{follow_up_id}/").status_code == 404
    assert y.get(f"{BASE}{w.list_id}/follow-ups/").json() == []
    assert [f["id"] for f in api(w.national).get(f"{BASE}{w.list_id}/follow-ups/").json()] == [follow_up_id]


@pytest.mark.django_db
def test_every_role_on_every_endpoint(published, api):
    """Out of scope is a 404: the regional coordinator (national list), a bank it was not published to,
    an applicant whose firm is not on it, the insurer; the firm on it reads its own entry only."""
    w = published
    paths = [
        f"{BASE}{w.list_id}/",
        f"{BASE}{w.list_id}/entries/",
        f"{BASE}{w.list_id}/entries/{w.entry_a}/",
        f"{BASE}{w.list_id}/follow-ups/",
    ]
    for user in (w.coordinator, w.insurer_user, w.applicant_b, w.vc_user):
        for path in paths:
            assert api(user).get(path).status_code == 404, (user, path)
        assert api(user).post(f"{BASE}{w.list_id}/entries/{w.entry_a}/open/").status_code == 404
        assert api(user).post(f"{BASE}{w.list_id}/close/").status_code == 404
    for user in (w.national, w.national_2, w.bank_x_user, w.bank_y_user, w.applicant_a):
        for path in paths:
            assert api(user).get(path).status_code == 200, (user, path)
    own = api(w.applicant_a).get(f"{BASE}{w.list_id}/entries/").json()
    assert [e["id"] for e in own] == [w.entry_a]
    assert own[0]["disclosed"] is True
    # Only coordinators build, publish and close; an institution or applicant gets a 404.
    for user in (w.bank_x_user, w.applicant_a):
        assert create(api, user, code="other").status_code == 404
        assert api(user).post(f"{BASE}{w.list_id}/close/").status_code == 404
    # A coordinator never opens an entry.
    assert api(w.national).post(f"{BASE}{w.list_id}/entries/{w.entry_a}/open/").status_code == 404
    assert api().get(BASE).status_code == 401


@pytest.mark.django_db
def test_bad_input_names_the_field(published, api):
    w = published
    response = create(api, w.national, criteria={"min_credit": "lots", "credit_version": "2.0"})
    assert response.status_code == 400
    assert "criteria.min_credit" in response.json()["error"]["fields"]
    response = create(api, w.national, regions=["999999"], national=False)
    assert response.status_code == 400 and "regions" in response.json()["error"]["fields"]
    draft = create(api, w.national, code="second").json()["id"]
    response = api(w.national).post(f"{BASE}{draft}/publish/", {"institutions": [999999]}, format="json")
    assert response.status_code == 400 and "institutions" in response.json()["error"]["fields"]
    x = api(w.bank_x_user)
    x.post(f"{BASE}{w.list_id}/entries/{w.entry_a}/open/")
    response = x.post(
        f"{BASE}{w.list_id}/entries/{w.entry_a}/follow-up/",
        {"status": "financed", "instrument": "credit_loan", "amount": "100", "annual_rate": "1.5"},
        format="json",
    )
    assert response.status_code == 400
    assert {"annual_rate", "financed_on"} <= set(response.json()["error"]["fields"])
    response = x.post(
        f"{BASE}{w.list_id}/entries/{w.entry_a}/follow-up/", {"status": "declined"}, format="json"
    )
    assert response.status_code == 400 and "decline_reason" in response.json()["error"]["fields"]
    assert x.post(f"{BASE}{w.list_id}/entries/abc/open/").status_code == 404


@pytest.mark.django_db
def test_consent_through_the_api_takes_the_firm_off_open_lists(published, api):
    w = published
    url = f"/api/v1/enterprises/{w.enterprise_a.pk}/recommendation-consent/"
    assert api(w.applicant_a).post(url, {"given": False}, format="json").status_code == 403
    assert api(w.bank_x_user).post(url, {"given": False}, format="json").status_code == 404
    assert api(w.manager_a).post(url, {"given": "maybe"}, format="json").status_code == 400
    response = api(w.manager_a).post(url, {"given": False}, format="json")
    assert response.status_code == 200 and response.json()["given"] is False
    entries = api(w.bank_x_user).get(f"{BASE}{w.list_id}/entries/").json()
    assert w.entry_a not in [e["id"] for e in entries]
    assert api(w.bank_x_user).get(f"{BASE}{w.list_id}/entries/{w.entry_a}/").status_code == 404
    assert api(w.applicant_a).get(f"{BASE}{w.list_id}/").status_code == 404


@pytest.mark.django_db
def test_entries_cost_the_same_queries_whatever_their_number(outreach, api):
    """Given a published list read by bank X and by the national coordinator, when two more firms join a
    second version, then reading its entries takes no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories as f
    from tests.outreach.conftest import consent, score

    w = outreach

    def published_entries(code):
        list_id = create(api, w.national, code=code).json()["id"]
        api(w.national).post(f"{BASE}{list_id}/publish/", {"institutions": [w.bank_x.pk]}, format="json")
        return f"{BASE}{list_id}/entries/"

    small = published_entries("small")
    for n in range(2):
        firm = f.EnterpriseFactory(region=w.pudong)
        firm.fields.add(w.ic)
        score(firm, 80 + n)
        consent(firm)
    large = published_entries("large")
    for user in (w.bank_x_user, w.national):
        client = api(user)
        client.get(small)
        with CaptureQueriesContext(connection) as few:
            assert len(client.get(small).json()) == 2
        with CaptureQueriesContext(connection) as more:
            assert len(client.get(large).json()) == 4
        assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
