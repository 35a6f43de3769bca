"""The API teaches its workflow: descriptions and the state diagram come from the transition tables, the
examples are realistic, and a refused action names the one to use."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from coordination.api.docs import EXAMPLE_CREDIT_CODE, workflow_markdown
from coordination.models import RequestDocument
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from coordination.workflow.tables import (
    CLAIM_TRANSITIONS,
    OFFER_TRANSITIONS,
    REFERRAL_TRANSITIONS,
    REQUEST_TRANSITIONS,
)
from projects.domain.credit_code import check_credit_code
from tests import factories as f
from tests.api.helpers import in_days

FR = "/api/v1/financing-requests/"
# Path prefix of each resource's actions, with the table that holds their rows.
RESOURCES = {
    "/api/v1/financing-requests/{id}/": REQUEST_TRANSITIONS,
    "/api/v1/referrals/{id}/": REFERRAL_TRANSITIONS,
    "/api/v1/offers/{id}/": OFFER_TRANSITIONS,
    "/api/v1/loss-claims/{id}/": CLAIM_TRANSITIONS,
}


@pytest.fixture(scope="module")
def openapi(django_db_setup, django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _table_actions(openapi: dict):
    """(path, table, action, operation) for every POST whose last path segment is a row of the tables."""
    for prefix, table in RESOURCES.items():
        for path, item in openapi["paths"].items():
            segment = path.removeprefix(prefix).strip("/").replace("-", "_")
            if path.startswith(prefix) and segment in table and "post" in item:
                yield path, table, segment, item["post"]


def test_the_example_credit_code_passes_its_checksum():
    assert check_credit_code(EXAMPLE_CREDIT_CODE).valid


def test_the_committed_workflow_diagram_is_what_the_command_generates():
    """Given docs/workflow.md in the repository, when the command runs, then its output is that file."""
    out = io.StringIO()
    call_command("workflow_diagram", stdout=out)
    committed = (Path(settings.BASE_DIR) / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert out.getvalue() == committed == workflow_markdown()


def test_the_diagram_has_every_row_of_every_table():
    diagram = workflow_markdown()
    for table in (REQUEST_TRANSITIONS, REFERRAL_TRANSITIONS, OFFER_TRANSITIONS, CLAIM_TRANSITIONS):
        for action, spec in table.items():
            for source in spec.sources:
                assert f"    {source} --> {spec.target} : {action} (" in diagram
    assert diagram.count("stateDiagram-v2") == 4
    # A claim is created by the institution's report: the diagram enters it, as it enters a draft.
    assert "    [*] --> reported" in diagram


def test_the_schema_description_links_the_diagram(openapi):
    assert "docs/workflow.md" in openapi["info"]["description"]


def test_every_workflow_action_says_who_and_from_which_states_as_the_tables_do(openapi):
    seen = set()
    for path, table, action, operation in _table_actions(openapi):
        description = operation["description"]
        sources = ", ".join(f"`{state}`" for state in sorted(table[action].sources))
        assert f"**From:** {sources}" in description, path
        assert "**Who:**" in description and "404" in description and "409" in description, path
        seen.add(path)
    # Every action the API exposes on the four resources is covered, not only a few.
    assert len(seen) >= 22


def test_examples_are_yuan_fractions_and_small_positions(openapi):
    schemas = openapi["components"]["schemas"]
    assert (
        schemas["Tranche"]["properties"]["position"]["minimum"],
        schemas["Tranche"]["properties"]["position"]["maximum"],
    ) == (1, 10)
    assert "0.0345 = 3.45%" in schemas["OfferInputRequest"]["properties"]["annual_rate"]["description"]
    assert "0.0345 = 3.45%" in schemas["Offer"]["properties"]["annual_rate"]["description"]
    offer = openapi["paths"]["/api/v1/referrals/{id}/offer/"]["post"]
    body = next(iter(offer["requestBody"]["content"]["application/json"]["examples"].values()))["value"]
    assert Decimal(body["amount"]) > 0 and Decimal("0") < Decimal(body["annual_rate"]) < 1
    create = openapi["paths"][FR]["post"]
    body = next(iter(create["requestBody"]["content"]["application/json"]["examples"].values()))["value"]
    assert (
        sum(Decimal(t["amount"]) for t in body["tranches"])
        == Decimal(body["amount"])
        == Decimal("3000000.00")
    )
    institution = openapi["paths"]["/api/v1/institutions/{id}/"]["get"]["responses"]["200"]
    example = next(iter(institution["content"]["application/json"]["examples"].values()))["value"]
    assert example["credit_code"] == EXAMPLE_CREDIT_CODE


def test_submit_without_a_business_plan_names_it_at_the_top_level(world, api):
    """Given a draft without its business plan, when the applicant submits it, then the answer is
    info_requested and `missing_documents` names the business plan."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    RequestDocument.objects.filter(request=request, kind="business_plan").delete()
    response = api(world.applicant_a).post(f"{FR}{request.pk}/submit/", {}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "info_requested"
    assert body["missing_documents"] == ["business_plan"]
    assert "document: business plan" in body["screening"]["missing"]


def test_a_complete_submit_and_resubmit_answer_no_missing_documents(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = api(world.applicant_a)
    first = client.post(f"{FR}{request.pk}/submit/", {}, format="json").json()
    assert first["missing_documents"] == ["business_plan", "financial_statements"]
    f.attach_required_documents(request, world.applicant_a)
    again = client.post(f"{FR}{request.pk}/resubmit/", {}, format="json")
    assert again.status_code == 200, again.json()
    assert (again.json()["status"], again.json()["missing_documents"]) == ("triage", [])


def test_submit_on_an_info_requested_request_says_to_resubmit(world, api):
    """Given a request waiting for information, when the applicant submits it again, then a 409 in the
    one error shape names `resubmit`, in the message and as the code."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = api(world.applicant_a)
    assert client.post(f"{FR}{request.pk}/submit/", {}, format="json").json()["status"] == "info_requested"
    response = client.post(f"{FR}{request.pk}/submit/", {}, format="json")
    assert response.status_code == 409
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "use_resubmit" and "`resubmit`" in error["message"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", "无法执行“提交”：该融资需求当前状态为“待补充材料”。请改用 `resubmit`。"),
        ("en", "Cannot submit: the financing request is “information requested”. Use `resubmit` instead."),
    ],
)
def test_the_way_forward_reads_in_the_callers_language(world, api, language, words):
    """Given a request waiting for information, when the applicant submits it again in `language`, then the
    whole 409 message, the way forward included, reads in that language."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = api(world.applicant_a)
    assert client.post(f"{FR}{request.pk}/submit/", {}, format="json").json()["status"] == "info_requested"
    response = client.post(f"{FR}{request.pk}/submit/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["error"]["message"] == words


def test_submit_after_screening_passed_stays_a_bare_conflict(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    client = api(world.applicant_a)
    assert client.post(f"{FR}{request.pk}/submit/", {}, format="json").status_code == 200
    error = client.post(f"{FR}{request.pk}/submit/", {}, format="json").json()["error"]
    assert error["code"] == "invalid_transition" and "resubmit" not in error["message"]


def test_an_offer_on_an_unopened_referral_says_to_open_it_first(world, api):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = request.referrals.get(institution=world.bank_x)
    body = {"amount": "3000000.00", "annual_rate": "0.0345", "valid_until": in_days(30)}
    response = api(world.bank_x_user).post(f"/api/v1/referrals/{referral.pk}/offer/", body, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition" and "`open` first" in error["message"]
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    made = api(world.bank_x_user).post(f"/api/v1/referrals/{referral.pk}/offer/", body, format="json")
    assert made.status_code == 201 and made.json()["annual_rate"] == "0.0345"
