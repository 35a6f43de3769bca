"""Every endpoint of the REST API v1, for every role (DESIGN.md §1).

Anonymous is a 401 everywhere except the token, schema and docs; out of scope is a 404 (never confirm
that something exists); in scope but the wrong role is a 403; the right role in the wrong state is a
409. The state (see `tests.api.helpers`) is built once for the module, through the services, inside
a transaction rolled back at the end; each test runs in a savepoint of it, so a successful action
never leaks into the next test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.api.serializers import ReferralSerializer
from coordination.models import (
    FinancingRequest,
    Notification,
    Offer,
    Referral,
    TransitionEvent,
    WebhookSubscription,
)
from lenders.models import Institution, Product
from projects.models import Enterprise, InnovationCreditScore, MajorTask, Region, TechField
from tests import factories as f

from .helpers import (
    DECLINE_NOTE,
    INTERNAL_NOTE,
    PASSWORD,
    ROLES,
    State,
    assert_error_shape,
    in_days,
)

pytestmark = pytest.mark.django_db

AUTHENTICATED = ROLES[1:]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The throttles count in the cache, which no savepoint rolls back."""
    cache.clear()
    yield
    cache.clear()


def client_for(state: State, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {state.tokens[role]}")
    return client


def call(state: State, role: str, method: str, path: str, body=None, multipart: bool = False):
    client = client_for(state, role)
    url = "/api/v1/" + path.format(FR=FR, JR=JR, PK=PK, **state.ids, **state.codes)
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    if method == "PUT":
        return client.put(url, body if body is not None else {}, format="json")
    return client.post(url, body if body is not None else {}, format="multipart" if multipart else "json")


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # "{FR}/{routed_a}/submit/": the names are the state's ids
    expect: dict[str, int]
    body: Callable[[State, str], dict] | None = None
    multipart: bool = False

    @property
    def name(self) -> str:
        path = self.path.replace("{FR}", FR).replace("{JR}", JR)
        return f"{self.method} {path}".replace("{", "").replace("}", "")


def E(method, path, expect, *, anonymous=401, body=None, multipart=False):  # noqa: N802
    """`expect`: the statuses for applicant A, applicant B, bank X, bank Y, the Shanghai coordinator and
    a national one, in that order; anonymous is a 401 unless said otherwise."""
    statuses = (anonymous, *(int(code) for code in expect.split()))
    return Endpoint(method, path, dict(zip(ROLES, statuses, strict=True)), body, multipart)


def _token(state: State, role: str) -> dict:
    user = state.users[role] or state.users["applicant_a"]
    return {"username": user.get_username(), "password": PASSWORD}


def _request(state: State, role: str) -> dict:
    return {
        "enterprise": state["enterprise_a"],
        "purpose": "A pilot line",
        "amount": "3000000",
        "term_months": 24,
        "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
    }


def _upload(state: State, role: str) -> dict:
    return {
        "kind": "ip_certificates",
        "file": SimpleUploadedFile("patents.pdf", f.pdf_bytes(), "application/pdf"),
    }


def _offer(state: State, role: str) -> dict:
    return {"amount": "3000000", "annual_rate": "0.0300", "term_months": 24, "valid_until": in_days(20)}


def _webhook(state: State, role: str) -> dict:
    return {"url": "https://hooks.example.cn/a", "party": "enterprise", "party_id": state["enterprise_a"]}


def _reason(state: State, role: str) -> dict:
    return {"reason": "checked by the test"}


def _products_x(state: State, role: str) -> dict:
    return {"products": [state["product_x"]]}


def _package(state: State, role: str) -> dict:
    return {
        "major_task": state["major_task"],
        "purpose": "Close the gap",
        "tranches": [
            {
                "instrument": "credit_loan",
                "amount": "3000000",
                "term_months": 36,
                "institutions": [state["institution_x"]],
            }
        ],
    }


def _default(state: State, role: str) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "tranche": state["tranche_accepted_a"],
        "loss": "1000000",
        "defaulted_on": today,
        "programme": state["pool_b"],
    }


def _decline(state: State, role: str) -> dict:
    return {"reason_code": "outside_appetite", "note": "not for us"}


def _enterprise(state: State, role: str) -> dict:
    from projects.domain.credit_code import make_credit_code

    return {
        "credit_code": make_credit_code("91310115MA1H7XKC3"),
        "name": "New enterprise",
        "region": "310115",
        "founded_on": "2020-01-01",
        "stage": "startup",
        "industry": "software_it",
        "employees": 12,
    }


def _figures(state: State, role: str) -> dict:
    return {
        "revenue": "5000000",
        "total_assets": "8000000",
        "total_costs": "4000000",
        "rnd_expense": "600000",
        "staff": 20,
        "st_staff": 8,
    }


def _year_figures(state: State, role: str) -> dict:
    return {"year": 2024, **_figures(state, role)}


def _recommendation_list(state: State, role: str) -> dict:
    return {"code": "new-list", "title": "New list", "regions": ["310000"], "criteria": {}}


def _publish(state: State, role: str) -> dict:
    return {"institutions": [state["institution_x"]]}


def _follow_up(state: State, role: str) -> dict:
    return {"status": "in_review"}


def _consent(state: State, role: str) -> dict:
    return {"given": False}


FR = "financing-requests"
PK = "financing-packages"
JR = "enterprise-join-requests"

# fmt: off
ENDPOINTS = [
    #                                                        A   B   X   Y   C   N
    E("POST", "auth/token/", "200 200 200 200 200 200", anonymous=200, body=_token),
    E("GET", "me/", "200 200 200 200 200 200"),
    E("GET", "auth/tokens/", "200 200 200 200 200 200"),
    E("DELETE", "auth/tokens/{token_a}/", "204 404 404 404 404 404"),
    E("GET", "schema/", "200 200 200 200 200 200", anonymous=200),
    E("GET", "docs/", "200 200 200 200 200 200", anonymous=200),
    E("GET", "regions/", "200 200 200 200 200 200"),
    E("GET", "regions/{region}/", "200 200 200 200 200 200"),
    E("GET", "fields/", "200 200 200 200 200 200"),
    E("GET", "fields/{field}/", "200 200 200 200 200 200"),
    E("GET", "institutions/", "200 200 200 200 200 200"),
    E("GET", "institutions/{institution_x}/", "200 200 200 200 200 200"),
    E("GET", "products/", "200 200 200 200 200 200"),
    E("GET", "products/{product_x}/", "200 200 200 200 200 200"),
    E("GET", "enterprises/", "200 200 200 200 200 200"),
    E("GET", "enterprises/{enterprise_a}/", "200 404 404 404 200 200"),
    E("GET", "enterprises/{enterprise_b}/", "404 200 404 404 404 200"),
    E("POST", "enterprises/", "201 201 201 201 403 403", body=_enterprise),
    E("POST", "enterprises/{enterprise_a}/financials/", "201 404 404 404 403 403", body=_year_figures),
    E("POST", "enterprises/{enterprise_b}/financials/", "404 403 404 404 404 403", body=_year_figures),
    E("PUT", "enterprises/{enterprise_a}/financials/2025/", "200 404 404 404 403 403", body=_figures),
    E("GET", "{JR}/", "200 200 200 200 200 200"),
    E("GET", "{JR}/{join_b_to_a}/", "200 200 404 404 404 404"),
    E("POST", "{JR}/{join_b_to_a}/approve/", "200 403 404 404 404 404"),
    E("POST", "{JR}/{join_b_to_a}/refuse/", "200 403 404 404 404 404", body=_reason),
    E("GET", "major-tasks/", "200 200 200 200 200 200"),
    E("GET", "major-tasks/{major_task}/", "200 404 404 404 200 200"),
    E("GET", "major-tasks/{major_task}/financing/", "404 404 404 404 200 200"),
    E("GET", "{PK}/", "200 200 200 200 200 200"),
    E("POST", "{PK}/", "403 403 403 403 201 201", body=_package),
    E("GET", "{PK}/{package_draft}/", "404 404 404 404 200 200"),
    E("GET", "{PK}/{package_proposed}/", "200 404 404 404 200 200"),
    E("POST", "{PK}/{package_draft}/propose/", "404 404 404 404 200 200"),
    E("POST", "{PK}/{package_proposed}/propose/", "403 404 404 404 409 409"),
    E("POST", "{PK}/{package_proposed}/confirm/", "200 404 404 404 403 403"),
    E("POST", "{PK}/{package_draft}/confirm/", "404 404 404 404 403 403"),
    E("POST", "{PK}/{package_proposed}/decline/", "200 404 404 404 403 403", body=_reason),
    E("GET", "{FR}/", "200 200 200 200 200 200"),
    E("POST", "{FR}/", "201 400 400 400 400 400", body=_request),
    E("GET", "{FR}/{draft_a}/", "200 404 404 404 200 200"),
    E("GET", "{FR}/{routed_a}/", "200 404 200 200 200 200"),
    E("GET", "{FR}/{accepted_a}/", "200 404 200 404 200 200"),
    E("GET", "{FR}/{triage_b}/", "404 200 404 404 404 200"),
    # Neither bank opened its referral on routed_b (X declined it unopened): the request is not theirs.
    E("GET", "{FR}/{routed_b}/", "404 200 404 404 404 200"),
    E("POST", "{FR}/{draft_a}/submit/", "200 404 404 404 403 403"),
    E("POST", "{FR}/{routed_a}/submit/", "409 404 403 403 403 403"),
    E("POST", "{FR}/{routed_a}/resubmit/", "409 404 403 403 403 403"),
    E("POST", "{FR}/{triage_a}/withdraw/", "200 404 404 404 403 403"),
    E("POST", "{FR}/{routed_b}/withdraw/", "404 200 404 404 404 403"),
    E("POST", "{FR}/{triage_a}/request-info/", "403 404 404 404 200 200", body=_reason),
    E("POST", "{FR}/{routed_a}/request-info/", "403 404 403 403 409 409", body=_reason),
    E("POST", "{FR}/{triage_a}/route/", "403 404 404 404 200 200", body=_products_x),
    E("POST", "{FR}/{triage_b}/route/", "404 403 404 404 404 200", body=_products_x),
    E("POST", "{FR}/{routed_a}/route/", "403 404 403 403 409 409"),
    E("POST", "{FR}/{triage_b}/reject/", "404 403 404 404 404 200", body=_reason),
    E("POST", "{FR}/{routed_a}/reject/", "403 404 403 403 409 409", body=_reason),
    E("POST", "{FR}/{accepted_a}/approve/", "403 404 403 404 200 200"),
    E("POST", "{FR}/{routed_a}/approve/", "403 404 403 403 409 409"),
    E("POST", "{FR}/{accepted_a}/cancel-approval/", "403 404 403 404 409 409", body=_reason),
    E("POST", "{FR}/{accepted_a}/accept-partial-package/", "403 404 403 404 409 409", body=_reason),
    E("POST", "{FR}/{accepted_a}/record-funding/", "403 404 409 404 403 403"),
    E("POST", "{FR}/{routed_a}/accept-partial-package/", "403 404 403 403 409 409", body=_reason),
    E("POST", "{FR}/{routed_a}/record-funding/", "403 404 409 409 403 403"),
    E("POST", "{FR}/{accepted_a}/close/", "403 404 403 404 409 409"),
    E("GET", "{FR}/{routed_a}/timeline/", "200 404 200 200 200 200"),
    E("GET", "{FR}/{triage_b}/timeline/", "404 200 404 404 404 200"),
    E("GET", "{FR}/{triage_a}/proposal/", "403 404 404 404 200 200"),
    E("GET", "{FR}/{routed_a}/proposal/", "403 404 403 403 200 200"),
    E("GET", "{FR}/{routed_a}/referrals/", "200 404 200 200 200 200"),
    E("GET", "{FR}/{routed_b}/referrals/", "404 200 404 404 404 200"),
    E("GET", "{FR}/{routed_a}/documents/", "200 404 200 200 200 200"),
    E("GET", "{FR}/{draft_a}/documents/", "200 404 404 404 200 200"),
    E("POST", "{FR}/{draft_a}/documents/", "201 404 404 404 403 403", body=_upload, multipart=True),
    E("POST", "{FR}/{routed_a}/documents/", "409 404 403 403 403 403", body=_upload, multipart=True),
    E("GET", "{FR}/{accepted_a}/documents/{document_accepted_a}/download/", "200 404 200 404 200 200"),
    E("GET", "{FR}/{draft_a}/documents/{document_draft_a}/download/", "200 404 404 404 200 200"),
    E("GET", "{FR}/{routed_a}/documents/{document_accepted_a}/download/", "404 404 404 404 404 404"),
    E("GET", "referrals/", "200 200 200 200 200 200"),
    E("GET", "referrals/{ref_x}/", "200 404 200 404 200 200"),
    E("GET", "referrals/{ref_y}/", "200 404 404 200 200 200"),
    E("GET", "referrals/{ref_xb}/", "404 200 200 404 404 200"),
    E("GET", "referrals/{ref_yb}/", "404 200 404 200 404 200"),
    E("POST", "referrals/{ref_yb}/open/", "404 403 404 200 404 403"),
    E("POST", "referrals/{ref_x}/open/", "403 404 409 404 403 403"),
    E("POST", "referrals/{ref_x}/request-info/", "403 404 409 404 403 403", body=_reason),
    E("POST", "referrals/{ref_x}/provide-info/", "409 404 403 404 403 403"),
    E("POST", "referrals/{ref_x}/offer/", "403 404 409 404 403 403", body=_offer),
    E("POST", "referrals/{ref_x}/decline/", "403 404 409 404 403 403", body=_decline),
    E("POST", "referrals/{ref_yb}/decline/", "404 403 404 200 404 403", body=_decline),
    E("POST", "referrals/{ref_xb}/decline/", "404 403 409 404 404 403", body=_decline),
    E("GET", "offers/", "200 200 200 200 200 200"),
    E("GET", "offers/{offer_x}/", "200 404 200 404 200 200"),
    E("GET", "offers/{offer_y}/", "200 404 404 200 200 200"),
    E("POST", "offers/{offer_x}/accept/", "200 404 403 404 403 403"),
    E("POST", "offers/{offer_x2}/accept/", "409 404 403 404 403 403"),
    E("POST", "offers/{offer_x}/withdraw/", "403 404 200 404 403 403"),
    E("POST", "offers/{offer_x2}/withdraw/", "403 404 409 404 403 403"),
    E("GET", "loss-claims/", "200 200 200 200 200 200"),
    E("POST", "loss-claims/", "404 404 201 404 403 403", body=_default),
    E("GET", "loss-claims/{claim_a}/", "404 404 200 404 200 200"),
    E("POST", "loss-claims/{claim_a}/approve/", "404 404 403 404 200 200"),
    E("POST", "loss-claims/{claim_a}/cancel-approval/", "404 404 403 404 409 409", body=_reason),
    E("POST", "loss-claims/{claim_a}/reject/", "404 404 403 404 200 200", body=_reason),
    E("POST", "loss-claims/{claim_a}/pay/", "404 404 403 404 409 409"),
    E("GET", "innovation-credits/", "200 200 200 200 200 200"),
    E("GET", "innovation-credits/{credit_a}/", "200 404 404 404 200 200"),
    E("GET", "innovation-credits/{credit_b}/", "404 200 404 404 404 200"),
    E("GET", "policy-programmes/", "200 200 200 200 200 200"),
    E("GET", "policy-programmes/{programme_sh}/", "404 404 404 404 200 200"),
    E("GET", "policy-programmes/{programme_bj}/", "404 404 404 404 404 200"),
    E("GET", "evaluation/?scope=310000&from=2026-01-01&to=2026-03-31", "404 404 404 404 200 200"),
    E("GET", "evaluation/?scope=national&from=2026-01-01&to=2026-03-31", "404 404 404 404 404 200"),
    # Recommendation lists (issue 18): list_sh is the Shanghai coordinator's, published to X and Y, with A
    # on it; X opened A's entry and followed it up; list_nat is a national draft holding B.
    E("GET", "recommendation-lists/", "200 200 200 200 200 200"),
    E("POST", "recommendation-lists/", "404 404 404 404 201 201", body=_recommendation_list),
    E("GET", "recommendation-lists/{list_sh}/", "200 404 200 200 200 200"),
    E("GET", "recommendation-lists/{list_nat}/", "404 404 404 404 404 200"),
    E("POST", "recommendation-lists/{list_nat}/publish/", "404 404 404 404 404 200", body=_publish),
    E("POST", "recommendation-lists/{list_sh}/close/", "404 404 404 404 200 200"),
    E("GET", "recommendation-lists/{list_sh}/entries/", "200 404 200 200 200 200"),
    E("GET", "recommendation-lists/{list_sh}/entries/{entry_sh}/", "200 404 200 200 200 200"),
    E("POST", "recommendation-lists/{list_sh}/entries/{entry_sh}/open/", "404 404 200 200 404 404"),
    E("POST", "recommendation-lists/{list_sh}/entries/{entry_sh}/follow-up/", "404 404 200 409 404 404",
      body=_follow_up),
    E("GET", "recommendation-lists/{list_sh}/follow-ups/", "200 404 200 200 200 200"),
    E("GET", "recommendation-lists/{list_sh}/follow-ups/{follow_up_x}/", "404 404 200 404 200 200"),
    E("POST", "enterprises/{enterprise_a}/recommendation-consent/", "200 404 404 404 404 404", body=_consent),
    E("GET", "notifications/", "200 200 200 200 200 200"),
    E("GET", "notifications/{notification_a}/", "200 404 404 404 404 404"),
    E("GET", "notifications/{notification_x}/", "404 404 200 404 404 404"),
    E("POST", "notifications/mark-read/", "200 200 200 200 200 200"),
    E("GET", "webhooks/", "200 200 200 200 200 200"),
    E("GET", "webhooks/{webhook_a}/", "200 404 404 404 404 404"),
    E("POST", "webhooks/", "201 400 400 400 400 400", body=_webhook),
    E("DELETE", "webhooks/{webhook_a}/", "204 404 404 404 404 404"),
    E("DELETE", "webhooks/{webhook_x}/", "404 404 204 404 404 404"),
]
# fmt: on

CASES = [
    pytest.param(endpoint, role, id=f"{endpoint.name}-{role}") for endpoint in ENDPOINTS for role in ROLES
]


def _api_route_names(resolver=None, namespace=""):
    from django.urls import URLPattern, URLResolver, get_resolver

    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_route_names(
                pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            )
        elif isinstance(pattern, URLPattern) and pattern.name and namespace == "api:":
            yield pattern.name


def test_the_table_covers_every_route_and_method_of_the_api(state):
    """Every named route of coordination/api/urls.py, with each of its methods, is in the table."""
    from django.urls import resolve

    expected, covered = set(), set()
    for endpoint in ENDPOINTS:
        path = endpoint.path.format(FR=FR, JR=JR, PK=PK, **state.ids, **state.codes).split("?")[0]
        match = resolve("/api/v1/" + path)
        view = match.func
        methods = (set(getattr(view, "actions", None) or {}) - {"head", "options"}) or {
            m for m in ("get", "post", "put", "patch", "delete") if hasattr(view.view_class, m)
        }
        expected |= {(match.url_name, m) for m in methods}
        covered.add((match.url_name, endpoint.method.lower()))
    assert covered == expected, expected - covered
    assert {name for name, _ in covered} == set(_api_route_names()) - {"api-root"}
    assert len(ENDPOINTS) == len({e.name for e in ENDPOINTS}), "an endpoint listed twice"


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_endpoint_for_role(state, endpoint: Endpoint, role: str):
    body = endpoint.body(state, role) if endpoint.body else None
    response = call(state, role, endpoint.method, endpoint.path, body, endpoint.multipart)
    expected = endpoint.expect[role]
    detail = response.content[:500] if response.status_code != expected else b""
    assert response.status_code == expected, (endpoint.name, role, detail)
    if response.status_code >= 400:
        error = assert_error_shape(response)
        if response.status_code == 401:
            assert error["code"] in {"not_authenticated", "authentication_failed"}
            assert response["WWW-Authenticate"].startswith("Bearer")
        if response.status_code == 404:
            assert error["code"] == "not_found"
    # Nobody but bank X (and coordinators in scope) ever reads an institution's own words.
    if role in {"anonymous", "applicant_a", "applicant_b", "bank_y"}:
        content = b"".join(response) if response.streaming else response.content
        assert INTERNAL_NOTE.encode() not in content
        assert DECLINE_NOTE.encode() not in content


# --- what each role sees in the lists ----------------------------------------------------------


def _all(model) -> set:
    return set(model.objects.values_list("pk", flat=True))


LIST_IDS = {
    "enterprises": {
        "applicant_a": {"enterprise_a"},
        "applicant_b": {"enterprise_b"},
        "bank_x": set(),
        "bank_y": set(),
        "coordinator": {"enterprise_a"},
        "national": {"enterprise_a", "enterprise_b"},
    },
    "major-tasks": {
        "applicant_a": {"major_task"},
        "applicant_b": set(),
        "bank_x": set(),
        "bank_y": set(),
        "coordinator": {"major_task"},
        "national": {"major_task"},
    },
    "financing-requests": {
        "applicant_a": {"draft_a", "triage_a", "routed_a", "accepted_a"},
        "applicant_b": {"triage_b", "routed_b"},
        # An institution reads a request once it has opened a referral on it (DESIGN §1): not routed_b.
        "bank_x": {"routed_a", "accepted_a"},
        "bank_y": {"routed_a"},
        "coordinator": {"draft_a", "triage_a", "routed_a", "accepted_a"},
        "national": {"draft_a", "triage_a", "routed_a", "accepted_a", "triage_b", "routed_b"},
    },
    "referrals": {
        "applicant_a": {"ref_x", "ref_y", "ref_x2"},
        "applicant_b": {"ref_xb", "ref_yb"},
        "bank_x": {"ref_x", "ref_x2", "ref_xb"},
        "bank_y": {"ref_y", "ref_yb"},
        "coordinator": {"ref_x", "ref_y", "ref_x2"},
        "national": {"ref_x", "ref_y", "ref_x2", "ref_xb", "ref_yb"},
    },
    "offers": {
        "applicant_a": {"offer_x", "offer_y", "offer_x2"},
        "applicant_b": set(),
        "bank_x": {"offer_x", "offer_x2"},
        "bank_y": {"offer_y"},
        "coordinator": {"offer_x", "offer_y", "offer_x2"},
        "national": {"offer_x", "offer_y", "offer_x2"},
    },
    "innovation-credits": {
        "applicant_a": {"credit_a"},
        "applicant_b": {"credit_b"},
        "bank_x": set(),
        "bank_y": set(),
        "coordinator": {"credit_a"},
        "national": {"credit_a", "credit_b"},
    },
    "policy-programmes": {
        "applicant_a": set(),
        "applicant_b": set(),
        "bank_x": set(),
        "bank_y": set(),
        "coordinator": {"programme_sh", "pool_a", "pool_b"},
        "national": {"programme_sh", "programme_bj", "pool_a", "pool_b"},
    },
    # DESIGN §10: the claim's institution and the coordinators in scope; never the SME.
    "loss-claims": {
        "applicant_a": set(),
        "applicant_b": set(),
        "bank_x": {"claim_a"},
        "bank_y": set(),
        "coordinator": {"claim_a"},
        "national": {"claim_a"},
    },
    "recommendation-lists": {
        "applicant_a": {"list_sh"},
        "applicant_b": set(),
        "bank_x": {"list_sh"},
        "bank_y": {"list_sh"},
        "coordinator": {"list_sh"},
        "national": {"list_sh", "list_nat"},
    },
    "notifications": {
        "applicant_a": {"notification_a"},
        "applicant_b": set(),
        "bank_x": {"notification_x"},
        "bank_y": set(),
        "coordinator": set(),
        "national": set(),
    },
    "enterprise-join-requests": {
        "applicant_a": {"join_b_to_a"},
        "applicant_b": {"join_b_to_a"},
        "bank_x": set(),
        "bank_y": set(),
        "coordinator": set(),
        "national": set(),
    },
    "financing-packages": {
        "applicant_a": {"package_proposed"},
        "applicant_b": set(),
        "bank_x": set(),
        "bank_y": set(),
        "coordinator": {"package_draft", "package_proposed"},
        "national": {"package_draft", "package_proposed"},
    },
    "webhooks": {
        "applicant_a": {"webhook_a"},
        "applicant_b": set(),
        "bank_x": {"webhook_x"},
        "bank_y": set(),
        "coordinator": set(),
        "national": set(),
    },
}
# The catalogue is the same for every signed-in party: everything active.
CATALOGUE = {
    "regions": ("code", lambda: set(Region.objects.values_list("code", flat=True))),
    "fields": ("code", lambda: set(TechField.objects.values_list("code", flat=True))),
    "institutions": (
        "id",
        lambda: set(Institution.objects.filter(is_active=True).values_list("pk", flat=True)),
    ),
    "products": ("id", lambda: set(Product.objects.filter(is_active=True).values_list("pk", flat=True))),
}


def list_ids(state: State, role: str, path: str, key: str = "id") -> list:
    response = call(state, role, "GET", f"{path}?page_size=200")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["next"] is None
    return [row[key] for row in body["results"]]


@pytest.mark.parametrize(
    ("path", "role"),
    [pytest.param(path, role, id=f"{path}-{role}") for path in LIST_IDS for role in AUTHENTICATED],
)
def test_list_shows_exactly_what_the_role_may_see(state, path, role):
    ids = list_ids(state, role, f"{path}/")
    assert len(ids) == len(set(ids)), "a row listed twice"
    assert set(ids) == {state[name] for name in LIST_IDS[path][role]}


@pytest.mark.parametrize(
    ("path", "role"),
    [pytest.param(path, role, id=f"{path}-{role}") for path in CATALOGUE for role in AUTHENTICATED],
)
def test_catalogue_lists_are_the_same_for_everyone(state, path, role):
    key, everything = CATALOGUE[path]
    ids = list_ids(state, role, f"{path}/", key)
    assert sorted(ids, key=str) == sorted(everything(), key=str)


def test_the_lists_cover_every_model_of_the_state(state):
    """The state has what the expectations name, and nothing more."""
    assert _all(Enterprise) == {state["enterprise_a"], state["enterprise_b"]}
    assert _all(MajorTask) == {state["major_task"]}
    assert len(_all(FinancingRequest)) == 6
    assert len(_all(Referral)) == 5
    assert len(_all(Offer)) == 3
    assert _all(Notification) == {state["notification_a"], state["notification_x"]}
    assert _all(WebhookSubscription) == {state["webhook_a"], state["webhook_x"]}
    assert _all(InnovationCreditScore) == {state["credit_a"], state["credit_b"]}


@pytest.mark.parametrize("role", ROLES)
def test_every_list_is_401_for_anonymous_and_200_for_the_rest(state, role):
    for path in [*LIST_IDS, *CATALOGUE]:
        response = call(state, role, "GET", f"{path}/")
        assert response.status_code == (401 if role == "anonymous" else 200), path


# --- what an applicant and a rival institution never read ---------------------------------------

REFERRAL_PAYLOADS = [
    ("referrals/", "list"),
    ("referrals/{ref_x}/", "one"),
    ("referrals/{ref_y}/", "one"),
    ("{FR}/{routed_a}/referrals/", "many"),
]


def _referral_rows(response, shape: str) -> list[dict]:
    body = response.json()
    return body["results"] if shape == "list" else body if shape == "many" else [body]


@pytest.mark.parametrize(("path", "shape"), REFERRAL_PAYLOADS)
def test_applicant_referral_payload_has_no_institution_notes(state, path, shape):
    rows = _referral_rows(call(state, "applicant_a", "GET", path), shape)
    assert rows
    for row in rows:
        assert "internal_note" not in row and "decline_note" not in row, row
        # Exactly the applicant's shape: no applicant data copied for the institution either.
        assert set(row) == set(ReferralSerializer.Meta.fields), set(row) ^ set(ReferralSerializer.Meta.fields)


def test_applicant_b_sees_the_decline_reason_code_but_not_the_note(state):
    for row in _referral_rows(call(state, "applicant_b", "GET", "referrals/"), "list"):
        assert "decline_note" not in row and "internal_note" not in row
    row = call(state, "applicant_b", "GET", "referrals/{ref_xb}/").json()
    assert row["status"] == "declined" and row["decline_reason"] == "outside_appetite"
    timeline = call(state, "applicant_b", "GET", "{FR}/{routed_b}/timeline/").json()
    declines = [e for e in timeline["events"] if e["action"] == "decline"]
    assert declines and all(e["reason"] == "" for e in declines)


def test_applicant_answering_an_information_request_gets_the_applicant_payload(state):
    """An action's response follows the same rule as the reads."""
    y = client_for(state, "bank_y")
    assert y.post(f"/api/v1/referrals/{state['ref_yb']}/open/", {}, format="json").status_code == 200
    asked = y.post(
        f"/api/v1/referrals/{state['ref_yb']}/request-info/", {"reason": "latest accounts"}, format="json"
    )
    assert asked.status_code == 200 and "internal_note" in asked.json()
    answered = client_for(state, "applicant_b").post(
        f"/api/v1/referrals/{state['ref_yb']}/provide-info/", {"note": "attached"}, format="json"
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "reviewing"
    assert "internal_note" not in answered.json() and "decline_note" not in answered.json()


@pytest.mark.parametrize(("bank", "own", "rival"), [("bank_x", "x", "y"), ("bank_y", "y", "x")])
def test_an_institution_never_sees_a_rivals_referral_or_offer(state, bank, own, rival):
    routed = state["routed_a"]
    referrals = call(state, bank, "GET", "{FR}/{routed_a}/referrals/").json()
    assert [r["id"] for r in referrals] == [state[f"ref_{own}"]]
    filtered = call(state, bank, "GET", f"referrals/?request={routed}").json()["results"]
    assert [r["id"] for r in filtered] == [state[f"ref_{own}"]]
    offers = call(state, bank, "GET", f"offers/?request={routed}").json()["results"]
    assert [o["id"] for o in offers] == [state[f"offer_{own}"]]
    assert call(state, bank, "GET", f"referrals/{{ref_{rival}}}/").status_code == 404
    assert call(state, bank, "GET", f"offers/{{offer_{rival}}}/").status_code == 404
    # The request's timeline shows the request's own events and this institution's, not the rival's.
    events = call(state, bank, "GET", "{FR}/{routed_a}/timeline/").json()["events"]
    seen = {(e["object_type"], e["object_id"]) for e in events if e["object_type"] != "financing_request"}
    assert seen == {("referral", state[f"ref_{own}"]), ("offer", state[f"offer_{own}"])}
    hidden = TransitionEvent.objects.filter(request_id=routed, object_id=state[f"ref_{rival}"])
    assert hidden.exists()


def test_coordinator_reads_the_institution_notes_in_scope(state):
    row = call(state, "coordinator", "GET", "referrals/{ref_x}/").json()
    assert row["internal_note"] == INTERNAL_NOTE and row["enterprise"]["id"] == state["enterprise_a"]
    row = call(state, "national", "GET", "referrals/{ref_xb}/").json()
    assert row["decline_note"] == DECLINE_NOTE
    assert call(state, "bank_x", "GET", "referrals/{ref_xb}/").json()["decline_note"] == DECLINE_NOTE
