"""GET /api/v1/evaluation/ (contract): every code, scoped, 400s naming the field, values as the service's."""

import pytest

from coordination.evaluation.definitions import INDICATOR_CODES
from coordination.evaluation.indicators import evaluate
from coordination.evaluation.scope import Period, Scope, ScopeKind
from tests import factories as f

URL = "/api/v1/evaluation/"
Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    from coordination.services.tokens import issue_token

    def client_for(user):
        client = APIClient()
        _, key = issue_token(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return client_for


def test_national_answers_every_contract_code_with_label_definition_value_and_previous(history, api):
    """Given a national coordinator, when it asks for the national first quarter, then every code of DESIGN
    §11 comes with its label, definition, value and previous value, as the service computes them."""
    response = api(history.national).get(URL, {"scope": "national", **Q1})
    assert response.status_code == 200
    indicators = response.json()["indicators"]
    assert [i["code"] for i in indicators] == list(INDICATOR_CODES)
    assert all(set(i) == {"code", "label", "definition", "value", "previous"} for i in indicators)
    by_code = {i["code"]: i for i in indicators}
    assert by_code["requests_submitted"]["value"] == 3
    assert by_code["funded_amount"]["value"] == 10_000_000
    assert by_code["invest_long_share"]["value"] == 0.8
    assert by_code["funded_amount"]["previous"] == 500_000
    expected = evaluate(Scope(ScopeKind.NATIONAL), Period.from_strings(Q1["from"], Q1["to"]))
    assert [i["value"] for i in indicators] == [
        None if v.value is None else float(v.value) for v in expected.values
    ]


def test_a_regional_coordinator_reads_its_region_and_sub_regions(history, api):
    """Given Shanghai's coordinator, when it asks for Shanghai and for Pudong, then both answer with
    Shanghai's funding (R1 and R3)."""
    client = api(history.coordinator)
    for code in ("310000", "310115"):
        response = client.get(URL, {"scope": code, **Q1})
        assert response.status_code == 200
        value = next(i["value"] for i in response.json()["indicators"] if i["code"] == "funded_amount")
        assert value == 5_000_000


@pytest.mark.parametrize("scope", ["110000", "110108", "national", "999999", "centre:beijing", "pilot_zones"])
def test_out_of_scope_is_not_found(history, api, scope):
    """Given Shanghai's coordinator, when it asks for another region, national or a made-up code, then 404."""
    assert api(history.coordinator).get(URL, {"scope": scope, **Q1}).status_code == 404


def test_non_coordinators_get_not_found(history, api):
    """Given an applicant, when it asks for any scope, then 404 (nothing to confirm)."""
    applicant = f.UserFactory(username="eval-outsider")
    assert api(applicant).get(URL, {"scope": "national", **Q1}).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-01-01", "to": "2026-03-31"}, "scope"),
        ({"scope": "national", "to": "2026-03-31"}, "from"),
        ({"scope": "national", "from": "2026-13-01", "to": "2026-03-31"}, "from"),
        ({"scope": "national", "from": "2026-04-01", "to": "2026-03-31"}, "to"),
        ({"scope": "national", "from": "2020-01-01", "to": "2026-03-31"}, "from"),
        ({"scope": "national", "from": "0001-01-01", "to": "0001-01-31"}, "from"),
        ({"scope": "national", "instrument": "bitcoin", **Q1}, "instrument"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(history, api, params, field):
    """Given a national coordinator, when a parameter is missing or wrong, then 400 names it."""
    response = api(history.national).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_filters_narrow_the_answer(history, api):
    """Given the history, when the national coordinator filters by instrument, then only equity counts."""
    response = api(history.national).get(URL, {"scope": "national", "instrument": "equity", **Q1})
    value = next(i["value"] for i in response.json()["indicators"] if i["code"] == "funded_amount")
    assert value == 5_000_000
