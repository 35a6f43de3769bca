"""Hostile input gets a 4xx, never a 5xx: every operation of the OpenAPI schema, as each role of the
schemathesis run (applicant, bank reviewer, regional and national coordinator) and anonymously, and every
admin changelist's filters, as a superuser and as a coordinator.

The inputs are the ones that reached a 500 before: JSON nested 10 000 deep (a RecursionError), NUL
characters (PostgreSQL text refuses them) and lone surrogates (UTF-8 cannot encode them), in path
parameters, query parameters, JSON keys and values, form fields and file names. The state is built once
for the module (tests.api.helpers); every request runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from drf_spectacular.generators import SchemaGenerator

from coordination.api import views
from tests import factories as f

from .helpers import State, assert_error_shape, in_days

pytestmark = pytest.mark.django_db

NUL = "\x00"
SURROGATE = "\ud800"
# A lone surrogate as it travels in a URL: its three-byte (WTF-8) encoding, which is not UTF-8.
SURROGATE_IN_URL = "%ED%A0%80"
DEEP_JSON = "[" * 10_000 + "]" * 10_000
# The roles of the schemathesis run plus the anonymous caller.
FUZZ_ROLES = ("anonymous", "applicant_a", "bank_x", "coordinator", "national")
ADMIN_ROLES = ("superuser", "coordinator")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    body_fields: tuple[str, ...]

    def url(self, values: dict[str, str]) -> str:
        url = self.path
        for name in self.path_params:
            url = url.replace("{" + name + "}", values[name])
        return url

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _body_fields(schema: dict, operation: dict) -> tuple[str, ...]:
    content = operation.get("requestBody", {}).get("content", {})
    for media in ("application/json", "multipart/form-data"):
        ref = content.get(media, {}).get("schema", {}).get("$ref")
        if ref:
            component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            return tuple(component.get("properties", {}))
    return ()


@functools.cache
def operations() -> tuple[Operation, ...]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            parameters = operation.get("parameters", [])
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params=tuple(p["name"] for p in parameters if p["in"] == "path"),
                    query_params=tuple(p["name"] for p in parameters if p["in"] == "query"),
                    body_fields=_body_fields(schema, operation),
                )
            )
    return tuple(found)


def existing_path_values(state: State, operation: Operation) -> dict[str, str]:
    """Ids of objects that exist, so that a request gets past the lookup to its body."""
    resource = operation.path.split("/")[3]
    ids = {
        "enterprises": state["enterprise_a"],
        "financing-requests": state["routed_a"],
        "innovation-credits": state["credit_a"],
        "institutions": state["institution_x"],
        "major-tasks": state["major_task"],
        "notifications": state["notification_a"],
        "offers": state["offer_x"],
        "products": state["product_x"],
        "referrals": state["ref_x"],
        "webhooks": state["webhook_a"],
        "regions": state.codes["region"],
        "fields": state.codes["field"],
    }
    values = {name: str(ids.get(resource, 1)) for name in operation.path_params}
    if "document_id" in values:
        values["document_id"] = str(state["document_routed_a"])
    return values


def client_for(state: State, role: str) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    if role != "anonymous":
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {state.tokens[role]}"
    return client


def hostile_requests(state: State, operation: Operation):
    """(label, request for `send`, the status the guard must answer, or None for "any 4xx")."""
    method = operation.method
    for label, value in (("NUL in path", "%00"), ("surrogate in path", SURROGATE_IN_URL)):
        if operation.path_params:
            url = operation.url({name: value for name in operation.path_params})
            yield label, {"method": method, "path": url}, 400
    url = operation.url(existing_path_values(state, operation))
    query_params = operation.query_params or ("search",)
    for label, value in (("NUL in query", "%00"), ("surrogate in query", SURROGATE_IN_URL)):
        query = "&".join(f"{quote(name)}={value}" for name in query_params)
        yield label, {"method": method, "path": f"{url}?{query}"}, 400
    yield "NUL in a query name", {"method": method, "path": f"{url}?%00=1"}, 400
    if method not in {"POST", "PUT", "PATCH"}:
        return
    fields = operation.body_fields or ("reason",)
    deep_values = ", ".join(f"{json.dumps(name)}: {'[' * 40}{']' * 40}" for name in fields)
    json_bodies = {
        "JSON nested 10 000 deep": DEEP_JSON,
        "JSON nested 40 deep in the values": "{" + deep_values + "}",
        "NUL in JSON values": json.dumps({name: f"a{NUL}b" for name in fields}),
        "surrogate in JSON values": json.dumps({name: f"a{SURROGATE}b" for name in fields}),
        "NUL and surrogate in JSON keys": json.dumps({f"k{NUL}": 1, f"k{SURROGATE}": 2}),
        "hostile text nested in JSON values": json.dumps(
            {name: {"note": [f"x{NUL}", {f"y{SURROGATE}": "z"}]} for name in fields}
        ),
    }
    for label, body in json_bodies.items():
        yield label, {"method": method, "path": url, "data": body, "content_type": "application/json"}, None
    form_type = "application/x-www-form-urlencoded"
    for label, value in (("NUL in form fields", "a%00b"), ("surrogate in form fields", SURROGATE_IN_URL)):
        body = "&".join(f"{quote(name)}={value}" for name in fields)
        yield label, {"method": method, "path": url, "data": body, "content_type": form_type}, None
    if method != "POST":
        return
    multipart = {name: f"a{NUL}b" for name in fields}
    if "file" in multipart:
        multipart["file"] = SimpleUploadedFile(f"plan{NUL}.pdf", f.pdf_bytes(), "application/pdf")
    yield "NUL in multipart fields and file name", {"path": url, "multipart": multipart}, None


def send(client: Client, **request):
    """One request in a savepoint rolled back afterwards: nothing it did reaches the next one. The throttles
    count in the cache, which no savepoint rolls back: cleared, so that every request reaches the code."""
    cache.clear()
    with transaction.atomic():
        if "multipart" in request:
            response = client.post(request["path"], request["multipart"])  # the client encodes multipart
        else:
            response = client.generic(**request)
        transaction.set_rollback(True)
    return response


def post_json(client: Client, path: str, body) -> object:
    return send(client, method="POST", path=path, data=json.dumps(body), content_type="application/json")


def test_the_operations_are_read_from_the_schema():
    """Given the published schema, the fuzz sees its every operation (including the ones added later)."""
    found = {str(operation) for operation in operations()}
    assert len(found) >= 50
    assert "POST /api/v1/referrals/{id}/offer/" in found and "GET /api/v1/regions/{code}/" in found


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_no_hostile_input_reaches_a_5xx_on_any_operation(state, role):
    """Given every operation of the schema, when a role sends hostile paths, queries and bodies, then every
    answer is a 4xx in the API's error shape; the path and query guard answers 400 naming the place."""
    client = client_for(state, role)
    failures = []
    sent = 0
    for operation in operations():
        for label, request, expected in hostile_requests(state, operation):
            response = send(client, **request)
            sent += 1
            where = f"{role}: {operation} — {label}: {response.status_code}"
            if response.status_code >= 500 or (expected and response.status_code != expected):
                failures.append(f"{where} {response.content[:200]!r}")
            elif response.status_code >= 400:
                error = assert_error_shape(response)
                assert expected is None or (error["code"] == "validation_failed" and error["fields"]), where
    assert not failures, "\n".join(failures)
    assert sent > 400


def test_a_nested_body_is_refused_before_authentication_in_production_settings(tmp_path):
    """Given the production settings, when an anonymous caller posts JSON nested 10 000 deep to the token
    endpoint, then the answer is a 400 naming the body (it was a RecursionError 500)."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client(raise_request_exception=False).post('/api/v1/auth/token/', '[' * 10000 + ']' * 10000,"
        " content_type='application/json', secure=True, HTTP_ACCEPT_LANGUAGE='en')\n"
        "print(r.status_code, json.dumps(r.json()))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "p" * 40 + "roduction-like-secret-0123456789",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "CACHE_URL": "",
        "REDIS_URL": "",
        "TECHFIN_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "400", result.stdout
    assert json.loads(body)["error"]["fields"] == {"body": ["Nested deeper than 32 levels."]}


# --- the admin's changelists ------------------------------------------------------------------------


def changelist_parameters(user) -> dict[str, list[str]]:
    """Every registered changelist's URL and the query parameters its filters read."""
    found = {}
    factory = RequestFactory()
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        request = factory.get(url)
        request.user = user
        changelist = model_admin.get_changelist_instance(request)
        names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
        found[url] = [*names, "q", "o", "p"]
    return found


@pytest.mark.parametrize("who", ADMIN_ROLES)
def test_no_hostile_filter_reaches_a_5xx_in_the_admin(state, who):
    """Given every admin changelist, when a superuser or a coordinator filters by NUL or a lone surrogate
    (each filter, the search, the ordering, the page), then the answer is a 400, never a 500."""
    superuser = f.UserFactory(username="fuzz-root", is_staff=True, is_superuser=True)
    user = superuser if who == "superuser" else state.world.coordinator
    client = Client(raise_request_exception=False)
    client.force_login(user)
    failures = []
    sent = 0
    for url, names in changelist_parameters(superuser).items():
        for name in names:
            for value in ("%00", SURROGATE_IN_URL):
                response = send(client, method="GET", path=f"{url}?{name}={value}")
                sent += 1
                if response.status_code != 400:
                    failures.append(f"{who}: {url}?{name}={value}: {response.status_code}")
        # A plain visit still works: the guard refuses the input, not the page.
        assert send(client, method="GET", path=url).status_code in {200, 302, 403}, url
    assert not failures, "\n".join(failures)
    assert sent > 100


# --- amounts, tranches, filters ---------------------------------------------------------------------


def _request_body(state: State, **changes) -> dict:
    return {
        "enterprise": state["enterprise_a"],
        "purpose": "Pilot line",
        "amount": "3000000",
        "term_months": 24,
        "needed_by": in_days(60),
        "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
        **changes,
    }


@pytest.mark.parametrize(
    "amount",
    ["３００００００", "٣٠٠٠٠٠٠", "3_000_000", "3,000,000", "३०००००० ", "3e6", "0x2dc6c0"],
)
def test_an_amount_in_anything_but_ascii_digits_is_refused(state, amount):
    """Given an applicant's request, when the amount is written with full-width, Arabic-Indic or Devanagari
    digits, underscores, separators or an exponent, then it is a 400 naming the amount (Decimal() would
    have read most of them)."""
    client = client_for(state, "applicant_a")
    body = _request_body(state, amount=amount, tranches=[{"instrument": "credit_loan", "amount": amount}])
    response = post_json(client, "/api/v1/financing-requests/", body)
    assert response.status_code == 400, response.content
    fields = assert_error_shape(response)["fields"]
    assert "ASCII" in " ".join(fields["amount"]) and "tranches[0].amount" in fields


def test_an_offer_amount_and_rate_in_other_digits_are_refused(state):
    client = client_for(state, "bank_y")
    body = {"amount": "３０００", "annual_rate": "٠.٠٣", "valid_until": in_days(20)}
    response = post_json(client, f"/api/v1/referrals/{state['ref_yb']}/offer/", body)
    assert response.status_code == 400, response.content
    assert set(assert_error_shape(response)["fields"]) == {"amount", "annual_rate"}


def test_ascii_amounts_still_parse(state):
    client = client_for(state, "applicant_a")
    for amount in ("3000000", "3000000.00", " 3000000.5 ", 3000000):
        body = _request_body(state, amount=amount, tranches=[{"instrument": "credit_loan", "amount": amount}])
        response = post_json(client, "/api/v1/financing-requests/", body)
        assert response.status_code == 201, (amount, response.content)


def test_an_amount_filter_in_other_digits_is_refused(state):
    client = client_for(state, "national")
    response = send(client, method="GET", path="/api/v1/financing-requests/?amount_min=%EF%BC%93")
    assert response.status_code == 400 and "amount_min" in assert_error_shape(response)["fields"]
    assert send(client, method="GET", path="/api/v1/financing-requests/?amount_min=3").status_code == 200


def test_two_tranches_of_one_instrument_are_refused(state):
    """Given a package, when it asks for the same instrument twice (even with identical amounts), then it is a
    400 naming the tranches, and nothing is created."""
    client = client_for(state, "applicant_a")
    tranche = {"instrument": "credit_loan", "amount": "1500000"}
    body = _request_body(state, tranches=[tranche, dict(tranche)])
    response = post_json(client, "/api/v1/financing-requests/", body)
    assert response.status_code == 400, response.content
    assert "once" in " ".join(assert_error_shape(response)["fields"]["tranches"])
    different = _request_body(
        state, tranches=[tranche, {"instrument": "ip_pledge_loan", "amount": "1500000"}]
    )
    response = post_json(client, "/api/v1/financing-requests/", different)
    assert response.status_code == 201, response.content


def test_hostile_text_deep_in_an_offers_terms_is_refused_naming_the_key(state):
    """Given bank Y's referral it may offer on, when the terms carry a NUL two levels down, then the 400 names
    terms.fees[1] (the database would have refused the NUL with a 500)."""
    client = client_for(state, "bank_y")
    body = {"amount": "3000000", "valid_until": in_days(20), "terms": {"fees": ["none", f"a{NUL}"]}}
    response = post_json(client, f"/api/v1/referrals/{state['ref_yb']}/offer/", body)
    assert response.status_code == 400, response.content
    assert assert_error_shape(response)["fields"] == {"terms.fees[1]": ["Must not contain NUL characters."]}


def test_a_body_at_the_depth_limit_is_parsed_and_one_deeper_is_refused(state):
    client = client_for(state, "applicant_a")
    depth = settings.API_JSON_MAX_DEPTH

    def nested(levels: int) -> str:
        return "[" * levels + "]" * levels

    ok = send(
        client,
        method="POST",
        path="/api/v1/notifications/mark-read/",
        data='{"ids": ' + nested(depth - 1) + "}",
        content_type="application/json",
    )
    too_deep = send(
        client,
        method="POST",
        path="/api/v1/notifications/mark-read/",
        data='{"ids": ' + nested(depth) + "}",
        content_type="application/json",
    )
    # Parsed, and then refused by the field: a list of lists is not a list of ids.
    assert ok.status_code == 400 and all(name.startswith("ids") for name in assert_error_shape(ok)["fields"])
    assert too_deep.status_code == 400
    assert assert_error_shape(too_deep)["fields"] == {"body": [f"Nested deeper than {depth} levels."]}


ID_FILTERS = [
    # (list, parameter, the state's in-scope id for applicant A, its out-of-scope id)
    ("financing-requests", "enterprise", "enterprise_a", "enterprise_b"),
    ("financing-requests", "major_task", None, None),
    ("financing-requests", "institution", "institution_x", None),
    ("products", "institution", "institution_x", None),
    ("major-tasks", "lead_enterprise", "enterprise_a", "enterprise_b"),
    ("referrals", "request", "routed_a", "routed_b"),
    ("referrals", "institution", "institution_x", None),
    ("offers", "request", "routed_a", "routed_b"),
    ("offers", "referral", "ref_x", "ref_xb"),
    ("offers", "tranche", "tranche_accepted_a", None),
    ("notifications", "request", "routed_a", "routed_b"),
]


@pytest.mark.parametrize(("resource", "parameter", "mine", "theirs"), ID_FILTERS)
def test_an_id_filter_does_not_confirm_that_an_id_exists(state, resource, parameter, mine, theirs):
    """Given applicant A, when a list is filtered by an id that does not exist and by one that exists but is
    not A's, then both answers are the same 200 with an empty list; A's own id still filters."""
    client = client_for(state, "applicant_a")
    url = f"/api/v1/{resource}/?{parameter}="
    missing = send(client, method="GET", path=url + "987654321")
    assert missing.status_code == 200 and missing.json()["results"] == []
    if theirs is not None:
        out_of_scope = send(client, method="GET", path=url + str(state[theirs]))
        assert (out_of_scope.status_code, out_of_scope.json()) == (missing.status_code, missing.json())
    if mine is not None:
        assert send(client, method="GET", path=url + str(state[mine])).json()["results"]
    assert send(client, method="GET", path=url + "abc").status_code == 400
    huge = send(client, method="GET", path=url + "9" * 30)
    assert huge.status_code in {200, 400} and (huge.status_code == 400 or huge.json()["results"] == [])


def test_an_offer_tranche_filter_does_not_confirm_a_rivals_tranche(state):
    from coordination.models import Offer

    client = client_for(state, "applicant_b")
    rivals = Offer.objects.get(pk=state["offer_x"]).tranche_id
    own = send(client, method="GET", path=f"/api/v1/offers/?tranche={rivals}")
    missing = send(client, method="GET", path="/api/v1/offers/?tranche=987654321")
    assert own.status_code == missing.status_code == 200 and own.json() == missing.json()


# --- errors outside DRF's views ---------------------------------------------------------------------


def test_a_server_error_under_the_api_answers_in_the_error_shape(state, monkeypatch):
    """Given a view that fails unexpectedly, when it is called under /api/, then the 500 is the API's JSON
    error shape (it was Django's HTML page); elsewhere Django's page stays."""

    def fail(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.MeView, "get", fail)
    response = client_for(state, "applicant_a").get("/api/v1/me/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "server_error"
    assert b"boom" not in response.content


def test_unknown_paths_under_the_api_answer_json_and_elsewhere_html(state):
    client = client_for(state, "applicant_a")
    for path in ("/api/v2/", "/api/v1/nothing-here/", "/api/", "/api/v2"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]


def test_the_guard_answers_html_outside_the_api(state):
    response = Client(raise_request_exception=False).get("/admin/login/?next=%00")
    assert response.status_code == 400 and "text/html" in response["Content-Type"]


@pytest.mark.parametrize(
    ("action", "pk"),
    [("submit", pk) for pk in ("9" * 30, "-1", "0", "abc", "1e5", "%20")]
    + [(action, "9" * 30) for action in ("resubmit", "withdraw", "request-info", "reject", "close")],
)
def test_a_request_action_on_an_id_that_cannot_exist_is_a_404(world, api, action, pk):
    # Given an applicant, and a request action that leaves the scope check to its service's roles
    client = api(world.applicant_a)
    # When it posts the action to an id out of range, negative, zero or not a number
    response = client.post(f"/api/v1/financing-requests/{pk}/{action}/", {"reason": "x"}, format="json")
    # Then the answer is the 404 of a request it cannot see, never a 500
    assert response.status_code == 404, response.content[:200]
