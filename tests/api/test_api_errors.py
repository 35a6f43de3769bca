"""The API's errors: one shape for every 4xx, bad input named field by field, conflicts, idempotency,
document uploads and downloads, and throttling. Never a 5xx (the test client re-raises one)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from coordination.models import FinancingRequest, IdempotencyRecord, RequestDocument, TransitionEvent
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from coordination.services.tokens import issue_token, revoke
from tests import factories as f

from .helpers import PASSWORD, assert_error_shape, in_days, new_key

pytestmark = pytest.mark.django_db

HUGE = 10**30
FR = "/api/v1/financing-requests/"


@pytest.fixture
def api(api):
    """English messages, so that the tests can read the reasons (zh-hans is the default)."""

    def client_for(user=None):
        client = api(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return client_for


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def valid_body(world, **changes) -> dict:
    return {
        "enterprise": world.enterprise_a.pk,
        "purpose": "Pilot line",
        "amount": "3000000",
        "term_months": 24,
        "needed_by": in_days(60),
        "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
        **changes,
    }


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    return assert_error_shape(response)


def fields_of(response, status: int = 400) -> dict[str, list[str]]:
    error = error_of(response, status)
    assert error["code"] == "validation_failed" and error["fields"], error
    return error["fields"]


def said(fields: dict, name: str, *words: str) -> None:
    """`fields[name]` exists and its messages say each of `words` (case-insensitive)."""
    assert name in fields, fields
    text = " ".join(fields[name]).lower()
    for word in words:
        assert word.lower() in text, (name, fields[name], word)


@pytest.fixture
def routed(world):
    """Applicant A's request routed to bank X, which opened it (documents attached)."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    return request, referral


# --- bad input: the field and the reason ---------------------------------------------------------


def test_missing_fields_are_each_named(world, api):
    response = api(world.applicant_a).post(FR, {}, format="json")
    fields = fields_of(response)
    for name in ("enterprise", "purpose", "amount", "term_months", "tranches"):
        said(fields, name, "required")
        assert name in response.json()["error"]["message"]  # the message names each field too
    assert "needed_by" not in fields and "major_task" not in fields


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        pytest.param({"amount": "abc"}, "amount", ["valid number"], id="amount-not-a-number"),
        pytest.param({"amount": True}, "amount", ["valid number"], id="amount-bool"),
        pytest.param({"amount": ["1"]}, "amount", ["valid number"], id="amount-list"),
        pytest.param({"term_months": "twelve"}, "term_months", ["valid integer"], id="term-text"),
        pytest.param({"term_months": 1.5}, "term_months", ["valid integer"], id="term-fraction"),
        pytest.param({"enterprise": "mine"}, "enterprise", ["valid integer"], id="enterprise-text"),
        pytest.param({"tranches": "credit_loan"}, "tranches", ["list"], id="tranches-not-a-list"),
        pytest.param(
            {"tranches": ["credit_loan"]}, "tranches[0]", ["dictionary"], id="tranche-not-an-object"
        ),
        pytest.param({"purpose": {"a": 1}}, "purpose", ["valid string"], id="purpose-object"),
        pytest.param({"amount": "-5"}, "amount", ["greater than or equal to 0.01"], id="amount-negative"),
        pytest.param({"amount": "0"}, "amount", ["greater than or equal to 0.01"], id="amount-zero"),
        pytest.param(
            {"tranches": [{"instrument": "credit_loan", "amount": "-1"}]},
            "tranches[0].amount",
            ["greater than or equal to 0.01"],
            id="tranche-amount-negative",
        ),
        pytest.param({"term_months": -3}, "term_months", ["greater than or equal to 1"], id="term-negative"),
        pytest.param({"amount": "1e20"}, "amount", ["digits"], id="amount-huge-text"),
        pytest.param({"amount": HUGE}, "amount", ["digits"], id="amount-huge-number"),
        pytest.param({"amount": "1e400"}, "amount", ["digits"], id="amount-1e400"),
        pytest.param({"amount": "Infinity"}, "amount", ["valid number"], id="amount-infinite"),
        pytest.param({"amount": "NaN"}, "amount", ["valid number"], id="amount-nan"),
        pytest.param({"amount": "3000000.001"}, "amount", ["decimal places"], id="amount-three-places"),
        pytest.param({"term_months": HUGE}, "term_months", ["less than or equal to 600"], id="term-huge"),
        pytest.param({"needed_by": "2026-02-30"}, "needed_by", ["wrong format"], id="date-impossible"),
        pytest.param({"needed_by": "next week"}, "needed_by", ["wrong format"], id="date-text"),
        pytest.param({"needed_by": "2020-01-01"}, "needed_by", ["past"], id="date-past"),
        pytest.param(
            {"tranches": [{"instrument": "magic", "amount": "3000000"}]},
            "tranches[0].instrument",
            ["not a valid choice"],
            id="instrument-unknown",
        ),
        pytest.param({"tranches": []}, "tranches", ["empty"], id="tranches-empty"),
        pytest.param(
            {"tranches": [{"instrument": "credit_loan", "amount": "1000"}] * 11},
            "tranches",
            ["no more than 10"],
            id="tranches-too-many",
        ),
        pytest.param(
            {"tranches": [{"instrument": "credit_loan", "amount": "1000000"}]},
            "tranches",
            ["add up"],
            id="tranches-do-not-add-up",
        ),
        pytest.param({"enterprise": 999999}, "enterprise", ["unknown enterprise"], id="enterprise-unknown"),
        pytest.param({"enterprise": HUGE}, "enterprise", ["unknown enterprise"], id="enterprise-huge-id"),
        pytest.param({"major_task": 999999}, "major_task", ["unknown major task"], id="major-task-unknown"),
        pytest.param({"major_task": HUGE}, "major_task", ["unknown major task"], id="major-task-huge-id"),
        pytest.param({"purpose": "   "}, "purpose", ["blank"], id="purpose-blank"),
    ],
)
def test_bad_request_input_names_the_field_and_the_reason(world, api, changes, field, words):
    response = api(world.applicant_a).post(FR, valid_body(world, **changes), format="json")
    said(fields_of(response), field, *words)
    assert not FinancingRequest.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "financing-requests/", {"purpose": "a\x00b"}, "purpose"),
        ("post", "financing-requests/", {"purpose": "a" * 5001}, "purpose"),
        ("post", "webhooks/", {"url": "https://x.example.cn/\x00"}, "url"),
        ("post", "webhooks/", {"url": "https://x.example.cn/" + "a" * 500}, "url"),
        ("post", "auth/token/", {"username": "\x00", "password": "x"}, "username"),
        ("get", "financing-requests/?region=%00", None, "region"),
        ("get", "financing-requests/?search=%00", None, None),
        ("get", "referrals/?due_before=9999-12-31T23:59:59-14:00", None, "due_before"),
        ("get", "products/?amount=NaN", None, "amount"),
        ("get", "products/?amount=1e400", None, "amount"),
        ("get", "enterprises/?founded_after=0000-01-01", None, "founded_after"),
    ],
)
def test_odd_characters_and_out_of_range_values_are_400s(world, api, method, path, body, field):
    client = api(world.applicant_a)
    url = "/api/v1/" + path
    if method == "get":
        response = client.get(url)
    else:
        payload = valid_body(world, **body) if path.startswith("financing") else body
        if path.startswith("webhooks"):
            payload = {"party": "enterprise", "party_id": world.enterprise_a.pk, **body}
        response = client.post(url, payload, format="json")
    fields = fields_of(response)
    if field:
        assert field in fields, fields


def test_messages_follow_the_language_and_keep_the_shape(world, api, settings):
    """zh-hans by default (the field names stay the same); English on request."""
    from rest_framework.test import APIClient

    settings.LANGUAGE_CODE = "zh-hans"  # the product's default (the suite's settings read English)

    from coordination.services.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=world.applicant_a)[1]}")
    chinese = fields_of(client.post(FR, valid_body(world, amount="-1"), format="json"))
    assert "0.01" in chinese["amount"][0] and "Ensure" not in chinese["amount"][0]
    english = fields_of(api(world.applicant_a).post(FR, valid_body(world, amount="-1"), format="json"))
    assert english["amount"][0].startswith("Ensure")


def test_an_enterprise_of_someone_else_is_an_unknown_enterprise(world, api):
    response = api(world.applicant_b).post(FR, valid_body(world), format="json")
    said(fields_of(response), "enterprise", "unknown enterprise")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        pytest.param(b'{"enterprise": 1,', "application/json", 400, "parse_error", id="truncated-json"),
        pytest.param(b"enterprise=1&amount=2", "application/json", 400, "parse_error", id="form-as-json"),
        pytest.param(b'{"amount": NaN}', "application/json", 400, "parse_error", id="nan"),
        pytest.param(b"\xff\xfe\x00", "application/json", 400, "parse_error", id="not-utf8"),
        pytest.param(b"<request/>", "application/xml", 415, "unsupported_media_type", id="xml"),
        pytest.param(b"hello", "text/plain", 415, "unsupported_media_type", id="text"),
    ],
)
def test_a_body_that_is_not_json_is_refused_with_the_error_shape(
    world, api, body, content_type, status, code
):
    response = api(world.applicant_a).post(FR, body, content_type=content_type)
    assert error_of(response, status)["code"] == code


def test_a_json_array_body_is_a_validation_error(world, api):
    response = api(world.applicant_a).post(FR, [1, 2], format="json")
    assert error_of(response, 400)["fields"]


def test_wrong_method_and_unacceptable_format_have_the_shape(world, api, routed):
    request, _ = routed
    client = api(world.applicant_a)
    assert error_of(client.put(f"{FR}{request.pk}/", {}, format="json"), 405)["code"] == "method_not_allowed"
    assert error_of(client.delete(f"{FR}{request.pk}/"), 405)["code"] == "method_not_allowed"
    assert error_of(client.get(f"{FR}{request.pk}/submit/"), 405)["code"] == "method_not_allowed"
    assert error_of(client.get(FR, HTTP_ACCEPT="text/html"), 406)["code"] == "not_acceptable"


@pytest.mark.parametrize(
    "path",
    [
        "financing-requests/abc/",
        f"financing-requests/{HUGE}/",
        f"financing-requests/{HUGE}/submit/",
        f"financing-requests/{HUGE}/documents/1/download/",
        "financing-requests/{request}/documents/" + str(HUGE) + "/download/",
        f"referrals/{HUGE}/",
        f"referrals/{HUGE}/open/",
        f"offers/{HUGE}/accept/",
        f"enterprises/{HUGE}/",
        f"major-tasks/{HUGE}/",
        f"institutions/{HUGE}/",
        f"products/{HUGE}/",
        f"notifications/{HUGE}/",
        f"webhooks/{HUGE}/",
        "regions/nowhere/",
        "fields/nothing/",
        "no-such-resource/",
    ],
)
def test_unknown_and_overflowing_ids_are_404(world, api, routed, path):
    request, _ = routed
    url = "/api/v1/" + path.format(request=request.pk)
    client = api(world.national)
    method = client.post if path.endswith(("submit/", "open/", "accept/")) else client.get
    assert error_of(method(url, format="json") if method == client.post else method(url), 404)["code"] == (
        "not_found"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("amount_min=abc", "amount_min"),
        ("created_after=yesterday", "created_after"),
        ("due_before=soon", "due_before"),
        ("enterprise=abc", "enterprise"),
        ("instrument=magic", "instrument"),
    ],
)
def test_bad_filters_are_named(world, api, query, field):
    response = api(world.national).get(f"{FR}?{query}")
    said(fields_of(response), field)


@pytest.mark.parametrize(
    "path",
    [
        f"financing-requests/?enterprise={HUGE}",
        f"financing-requests/?major_task={HUGE}",
        f"financing-requests/?institution={HUGE}",
        f"financing-requests/?amount_min={HUGE}",
        "financing-requests/?amount_min=1e400",
        f"referrals/?request={HUGE}",
        f"referrals/?institution={HUGE}",
        f"offers/?request={HUGE}",
        f"offers/?tranche={HUGE}",
        f"products/?institution={HUGE}",
        f"products/?amount={HUGE}",
        f"products/?term_months={HUGE}",
        f"notifications/?request={HUGE}",
        f"major-tasks/?lead_enterprise={HUGE}",
        "financing-requests/?page_size=abc",
        f"financing-requests/?page_size={HUGE}",
        "financing-requests/?ordering=password",
        "enterprises/?region=999999",
    ],
)
def test_huge_or_odd_filter_values_never_break_a_list(world, api, path):
    response = api(world.national).get("/api/v1/" + path)
    assert response.status_code in {200, 400}, response.content[:300]
    if response.status_code == 200:
        assert response.json()["results"] == [] or "page_size" in path or "ordering" in path
    else:
        assert_error_shape(response)


def test_a_forged_cursor_is_a_404_with_the_shape(world, api):
    response = api(world.national).get(f"{FR}?cursor=not-a-cursor")
    assert error_of(response, 404)["code"] == "not_found"


def test_offer_input_names_each_bad_field(world, api, routed):
    _, referral = routed
    client = api(world.bank_x_user)
    url = f"/api/v1/referrals/{referral.pk}/offer/"
    fields = fields_of(
        client.post(
            url,
            {"amount": "-1", "annual_rate": "1.5", "term_months": 0, "valid_until": "soon", "terms": [1]},
            format="json",
        )
    )
    said(fields, "amount", "greater than or equal to 0.01")
    said(fields, "annual_rate", "less than or equal to 0.9999")
    said(fields, "term_months", "greater than or equal to 1")
    said(fields, "valid_until", "wrong format")
    said(fields, "terms", "dictionary")
    said(
        fields_of(client.post(url, {"amount": "1", "valid_until": "2020-01-01"}, format="json")),
        "valid_until",
    )
    said(
        fields_of(client.post(url, {"amount": "1", "valid_until": in_days(400)}, format="json")),
        "valid_until",
    )
    too_much = client.post(url, {"amount": "3000000.01", "valid_until": in_days(10)}, format="json")
    said(fields_of(too_much), "amount", "tranche")
    said(fields_of(client.post(url, {"valid_until": in_days(10)}, format="json")), "amount", "required")
    referral.refresh_from_db()
    assert referral.status == "reviewing" and not referral.offers.exists()


def test_other_action_inputs_name_each_bad_field(world, api, routed):
    request, referral = routed
    bank, coordinator = api(world.bank_x_user), api(world.coordinator)
    said(
        fields_of(
            bank.post(f"/api/v1/referrals/{referral.pk}/decline/", {"reason_code": "bored"}, format="json")
        ),
        "reason_code",
        "not a valid choice",
    )
    said(fields_of(bank.post(f"/api/v1/referrals/{referral.pk}/request-info/", {}, format="json")), "reason")
    triage = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=triage.pk, user=world.applicant_a)
    route = f"{FR}{triage.pk}/route/"
    said(fields_of(coordinator.post(route, {"products": [999999]}, format="json")), "products", "unknown")
    said(fields_of(coordinator.post(route, {"products": [HUGE]}, format="json")), "products", "unknown")
    said(
        fields_of(coordinator.post(route, {"products": ["x"]}, format="json")), "products[0]", "valid integer"
    )
    said(fields_of(coordinator.post(route, {"products": "x"}, format="json")), "products", "list")
    equity = world.equity.pk
    said(fields_of(coordinator.post(route, {"products": [equity]}, format="json")), "products", "equity")
    said(fields_of(coordinator.post(f"{FR}{triage.pk}/reject/", {}, format="json")), "reason", "required")
    said(fields_of(coordinator.post(f"{FR}{triage.pk}/reject/", {"reason": " "}, format="json")), "reason")
    said(
        fields_of(coordinator.post(f"{FR}{triage.pk}/request-info/", {"reason": ""}, format="json")), "reason"
    )
    assert FinancingRequest.objects.get(pk=triage.pk).status == "triage"


def test_funding_input_names_each_bad_field(world, api, routed):
    request, _ = routed
    fields = fields_of(
        api(world.bank_x_user).post(
            f"{FR}{request.pk}/record-funding/",
            {"tranche": "first", "amount": "-3", "funded_on": "31/12/2026"},
            format="json",
        )
    )
    said(fields, "tranche", "valid integer")
    said(fields, "amount", "greater than or equal to 0.01")
    said(fields, "funded_on", "wrong format")


def test_notification_and_webhook_inputs_name_each_bad_field(world, api):
    client = api(world.applicant_a)
    said(fields_of(client.post("/api/v1/notifications/mark-read/", {"ids": ["x"]}, format="json")), "ids[0]")
    said(fields_of(client.post("/api/v1/notifications/mark-read/", {"ids": 3}, format="json")), "ids", "list")
    marked = client.post("/api/v1/notifications/mark-read/", {"ids": [HUGE]}, format="json")
    assert marked.status_code == 200 and marked.json()["marked"] == 0
    hooks = "/api/v1/webhooks/"
    fields = fields_of(client.post(hooks, {"url": "not a url", "party": "alien"}, format="json"))
    said(fields, "url", "valid url")
    said(fields, "party", "not a valid choice")
    base = {"url": "https://hooks.example.cn/a", "party": "enterprise"}
    said(fields_of(client.post(hooks, {**base, "topics": ["nope"]}, format="json")), "topics", "nope")
    said(fields_of(client.post(hooks, {**base, "party_id": HUGE}, format="json")), "party_id")
    said(fields_of(client.post(hooks, {**base, "url": "ftp://x.example.cn/"}, format="json")), "url", "http")
    assert fields_of(client.post(hooks, base, format="json"))["party_id"]


# --- authentication ------------------------------------------------------------------------------


def test_token_endpoint_errors(world, api):
    client = api()
    said(
        fields_of(client.post("/api/v1/auth/token/", {"username": "applicant-a"}, format="json")), "password"
    )
    wrong = client.post("/api/v1/auth/token/", {"username": "applicant-a", "password": "no"}, format="json")
    assert error_of(wrong, 401)["code"] == "authentication_failed"
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    right = client.post(
        "/api/v1/auth/token/", {"username": "applicant-a", "password": PASSWORD}, format="json"
    )
    assert right.status_code == 200 and right.json()["token"]


@pytest.mark.parametrize(
    "header", ["Bearer not-a-token", "Bearer two words", "Token", "Bearer " + "x" * 5000, "Bearer \u2603"]
)
def test_bad_credentials_are_401_with_the_shape(world, api, header):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(FR)
    assert error_of(response, 401)["code"] in {"authentication_failed", "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(world, api):
    token, key = issue_token(user=world.applicant_a)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(FR).status_code == 200
    revoke(token)
    assert error_of(client.get(FR), 401)["code"] == "authentication_failed"


# --- conflicts ------------------------------------------------------------------------------------


def test_acting_twice_is_a_409_that_says_why(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    client = api(world.applicant_a)
    assert client.post(f"{FR}{request.pk}/submit/", {}, format="json").status_code == 200
    error = error_of(client.post(f"{FR}{request.pk}/submit/", {}, format="json"), 409)
    assert error["code"] == "invalid_transition" and "triage" in error["message"]


def test_a_second_offer_on_a_taken_tranche_is_a_409(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    offers = []
    for bank in (world.bank_x_user, world.bank_y_user):
        referral = request.referrals.get(institution__members=bank)
        rs.open_referral(referral_id=referral.pk, user=bank)
        offers.append(
            rs.make_offer(
                referral_id=referral.pk,
                user=bank,
                amount=Decimal("3000000"),
                valid_until=date.fromisoformat(in_days(30)),
            )
        )
    client = api(world.applicant_a)
    assert client.post(f"/api/v1/offers/{offers[0].pk}/accept/", {}, format="json").status_code == 200
    error = error_of(client.post(f"/api/v1/offers/{offers[1].pk}/accept/", {}, format="json"), 409)
    assert error["code"] in {"invalid_transition", "request_not_routed"}


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_same_key_same_body_replays_the_first_response_and_writes_once(world, api):
    client = api(world.applicant_a)
    key = new_key()
    first = client.post(FR, valid_body(world), format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(FR, valid_body(world), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert FinancingRequest.objects.count() == 1
    assert TransitionEvent.objects.filter(action="create").count() == 1


def test_same_key_on_an_action_replays_without_a_second_event(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    client = api(world.applicant_a)
    key = new_key()
    url = f"{FR}{request.pk}/submit/"
    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    events = TransitionEvent.objects.filter(request=request, object_type="financing_request")
    assert list(events.values_list("action", flat=True)) == ["create", "submit", "screen_pass"]
    # Without the key the same call is a new attempt: a conflict, and still no new event.
    assert error_of(client.post(url, {}, format="json"), 409)["code"] == "invalid_transition"
    assert events.count() == 3


def test_same_key_with_another_body_or_path_is_422(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    client = api(world.applicant_a)
    key = new_key()
    assert client.post(FR, valid_body(world), format="json", HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    other_body = client.post(FR, valid_body(world, purpose="other"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    error = error_of(other_body, 422)
    assert error["code"] == "idempotency_key_reused" and "Idempotency-Key" in error["fields"]
    other_path = client.post(f"{FR}{request.pk}/submit/", {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert error_of(other_path, 422)["code"] == "idempotency_key_reused"
    assert FinancingRequest.objects.count() == 2  # the fixture's draft and the first create
    assert FinancingRequest.objects.get(pk=request.pk).status == "draft"


def test_a_key_is_per_user(world, api):
    key = new_key()
    body = {"url": "https://hooks.example.cn/a", "party": "enterprise"}
    a = api(world.applicant_a).post(
        "/api/v1/webhooks/",
        {**body, "party_id": world.enterprise_a.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    b = api(world.applicant_b).post(
        "/api/v1/webhooks/",
        {**body, "party_id": world.enterprise_b.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_an_error_is_replayed_too_and_a_long_key_is_refused(world, api):
    client = api(world.applicant_a)
    key = new_key()
    first = client.post(FR, valid_body(world, amount="-1"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(FR, valid_body(world, amount="-1"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 400 and first.json() == again.json()
    too_long = client.post(FR, valid_body(world), format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    error = error_of(too_long, 422)
    assert error["code"] == "idempotency_key_invalid"
    said(error["fields"], "Idempotency-Key", "100")
    control = client.post(FR, valid_body(world), format="json", HTTP_IDEMPOTENCY_KEY="k\x00")
    error = error_of(control, 422)
    assert error["code"] == "idempotency_key_invalid"
    said(error["fields"], "Idempotency-Key", "printable")
    assert not FinancingRequest.objects.exists()
    assert IdempotencyRecord.objects.filter(key=key).count() == 1


# --- documents ------------------------------------------------------------------------------------


def upload(client, request_id, name="plan.pdf", content=None, kind="business_plan", **extra):
    content = f.pdf_bytes() if content is None else content
    return client.post(
        f"{FR}{request_id}/documents/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, "application/pdf")},
        format="multipart",
        **extra,
    )


def test_a_renamed_executable_is_415(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = api(world.applicant_a)
    for name, content in [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /"),
        ("plan.exe", b"%PDF-1.4 but named .exe"),
        ("noextension", b"%PDF-1.4"),
        ("image.png", b"%PDF-1.4 a pdf named png"),
    ]:
        error = error_of(upload(client, request.pk, name, content), 415)
        assert error["code"] == "unsupported_media_type" and name in " ".join(error["fields"]["file"])
    assert not RequestDocument.objects.filter(request=request).exists()
    assert upload(client, request.pk).status_code == 201


def test_a_file_over_the_limit_is_413(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = api(world.applicant_a)
    with override_settings(DOCUMENT_MAX_BYTES=len(f.pdf_bytes())):
        error = error_of(upload(client, request.pk, content=f.pdf_bytes(pages=2)), 413)
        assert error["code"] == "too_large" and "file" in error["fields"]
        assert upload(client, request.pk).status_code == 201
    assert RequestDocument.objects.filter(request=request).count() == 1


def test_upload_input_names_each_bad_field(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = api(world.applicant_a)
    said(fields_of(upload(client, request.pk, kind="selfie")), "kind", "not a valid choice")
    said(fields_of(upload(client, request.pk, content=b"")), "file", "empty")
    url = f"{FR}{request.pk}/documents/"
    said(fields_of(client.post(url, {"kind": "other"}, format="multipart")), "file", "no file")
    # An upload is multipart only, as the schema says: a JSON body is refused before any field is read.
    assert error_of(client.post(url, {"kind": "other", "file": "text"}, format="json"), 415)["code"] == (
        "unsupported_media_type"
    )


def test_only_the_applicant_uploads(world, api, routed):
    draft = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    error = error_of(upload(api(world.coordinator), draft.pk), 403)
    assert error["code"] == "permission_denied"
    assert error_of(upload(api(world.national), draft.pk), 403)["code"] == "permission_denied"
    assert error_of(upload(api(world.applicant_b), draft.pk), 404)["code"] == "not_found"
    request, _ = routed
    assert error_of(upload(api(world.bank_x_user), request.pk), 403)["code"] == "permission_denied"
    assert error_of(upload(api(world.applicant_a), request.pk), 409)["code"] == "invalid_state"


def test_download_only_in_scope(world, api, routed):
    request, _ = routed
    document = request.documents.order_by("pk").first()
    url = f"{FR}{request.pk}/documents/{document.pk}/download/"
    for user in (world.applicant_a, world.bank_x_user, world.coordinator, world.national):
        response = api(user).get(url)
        assert response.status_code == 200, user
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
        assert response["Content-Type"] == "application/pdf"
    for user in (world.applicant_b, world.bank_y_user):
        assert error_of(api(user).get(url), 404)["code"] == "not_found"
    assert error_of(api().get(url), 401)["code"] == "not_authenticated"
    # A document of another request, through a request one may see, is not found either.
    other = f.draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
    foreign = other.documents.first()
    response = api(world.applicant_a).get(f"{FR}{request.pk}/documents/{foreign.pk}/download/")
    assert error_of(response, 404)["code"] == "not_found"


# --- throttling -----------------------------------------------------------------------------------


def _rates(**rates) -> dict:
    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_token_requests_are_throttled_with_the_error_shape(world, api):
    client = api()
    body = {"username": "applicant-a", "password": "wrong"}
    with override_settings(REST_FRAMEWORK=_rates(auth="3/min")):
        cache.clear()
        statuses = [client.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        throttled = client.post(
            "/api/v1/auth/token/", {"username": "applicant-a", "password": PASSWORD}, format="json"
        )
        assert error_of(throttled, 429)["code"] == "throttled"
        assert int(throttled["Retry-After"]) > 0
        # Another address has its own allowance.
        other = client.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="10.0.0.9")
        assert other.status_code == 401


def test_writes_are_throttled_per_user_and_reads_are_not(world, api):
    client = api(world.applicant_a)
    with override_settings(REST_FRAMEWORK=_rates(write="2/min")):
        cache.clear()
        assert client.post("/api/v1/notifications/mark-read/", {}, format="json").status_code == 200
        assert client.post("/api/v1/notifications/mark-read/", {}, format="json").status_code == 200
        throttled = client.post("/api/v1/notifications/mark-read/", {}, format="json")
        assert error_of(throttled, 429)["code"] == "throttled"
        assert client.get(FR).status_code == 200
        assert (
            api(world.applicant_b).post("/api/v1/notifications/mark-read/", {}, format="json").status_code
            == 200
        )
