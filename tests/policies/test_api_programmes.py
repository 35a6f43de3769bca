"""/api/v1/policy-programmes/ (issue 14): coordinators read the programmes in their scope; any other is a
404, and the schema documents the resource and the offers' policy support."""

import pytest
from rest_framework.test import APIClient

from coordination.services.tokens import issue_token
from coordination.workflow import ledger
from tests.factories_policy import ProgrammeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/policy-programmes/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=user)[1]}")
    return client


@pytest.fixture
def programmes(world):
    return {
        "national": ProgrammeFactory(kind="relending"),
        "shanghai": ProgrammeFactory(region=world.shanghai, given_parameters={"share": "0.6"}, fields=[]),
        "pudong": ProgrammeFactory(region=world.pudong, kind="risk_compensation", published_at=None),
        "beijing": ProgrammeFactory(region=world.beijing),
    }


def listed(client) -> set[int]:
    response = client.get(URL)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_a_national_coordinator_reads_every_programme_with_its_parameters(world, programmes):
    """Given programmes national, Shanghai, Pudong (a draft) and Beijing, when a national coordinator
    lists them, then all four come with their kind, region and parameters (defaults filled in)."""
    client = client_for(world.national)
    assert listed(client) == {p.pk for p in programmes.values()}
    body = client.get(f"{URL}{programmes['shanghai'].pk}/").json()
    assert (body["kind"], body["region"], body["published"]) == ("interest_subsidy", "310000", True)
    assert body["parameters"]["share"] == "0.6" and body["parameters"]["first_loan_share"] == "0.7"
    assert (body["available"], body["committed"], body["paid"]) == ("100000000.00", "0.00", "0.00")
    ledger.commit(programme_id=programmes["shanghai"].pk, tranche_id=None, amount="2500")
    body = client.get(f"{URL}{programmes['shanghai'].pk}/").json()
    assert (body["available"], body["committed"]) == ("99997500.00", "2500.00")
    assert client.get(URL, {"kind": "relending"}).json()["results"][0]["region"] is None


def test_a_regional_coordinator_reads_its_scope_and_another_regions_programme_is_a_404(world, programmes):
    """Given the Shanghai coordinator, then it reads the national, Shanghai and Pudong programmes; Beijing's
    is a 404."""
    client = client_for(world.coordinator)
    assert listed(client) == {programmes[k].pk for k in ("national", "shanghai", "pudong")}
    assert client.get(f"{URL}{programmes['beijing'].pk}/").status_code == 404


@pytest.mark.parametrize("role", ["applicant_a", "bank_x_user"])
def test_applicants_and_institutions_see_no_programme(world, programmes, role):
    """Given an applicant or an institution reviewer, then the list is empty and each programme a 404."""
    client = client_for(getattr(world, role))
    assert listed(client) == set()
    assert client.get(f"{URL}{programmes['national'].pk}/").status_code == 404


def test_the_schema_documents_programmes_and_the_offers_policy_support(world):
    """Given the OpenAPI schema, then it has the programmes' paths and the offer's contract fields."""
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    assert {"/api/v1/policy-programmes/", "/api/v1/policy-programmes/{id}/"} <= set(schema["paths"])
    offer = schema["components"]["schemas"]["Offer"]["properties"]
    assert {"policy_support", "net_annual_rate"} <= set(offer)
    support = schema["components"]["schemas"]["PolicySupport"]["properties"]
    assert set(support) == {"programme", "kind", "amount", "explanation"}
