"""POST /api/v1/enterprises/ and the requests to join (DESIGN.md §1, who grants what; issue 12, point 2)."""

import pytest

from coordination.api.docs import EXAMPLE_ENTERPRISE_CREDIT_CODE, EXAMPLE_MISTYPED_CREDIT_CODE
from coordination.api.examples import MISTYPED_REQUEST, REGISTER_ENTERPRISE
from coordination.models import EnterpriseJoinRequest, OutboxMessage
from projects.domain.credit_code import check_credit_code
from projects.models import Enterprise, EnterpriseFinancials
from tests import factories as f

from .helpers import assert_error_shape

pytestmark = pytest.mark.django_db


def body(**overrides) -> dict:
    values = {
        "credit_code": EXAMPLE_ENTERPRISE_CREDIT_CODE,
        "name": "上海芯材科技有限公司",
        "region": "310115",
        "fields": [],
        "founded_on": "2019-04-16",
        "stage": "growth",
        "industry": "industry",
        "employees": 86,
    }
    values.update(overrides)
    return values


def test_the_examples_codes_pass_and_fail_their_checksum_as_documented():
    """The registered example passes GB 32100; the mistyped one fails on its check character."""
    assert check_credit_code(EXAMPLE_ENTERPRISE_CREDIT_CODE).valid
    assert check_credit_code(REGISTER_ENTERPRISE.value["credit_code"]).valid
    mistyped = check_credit_code(EXAMPLE_MISTYPED_CREDIT_CODE)
    assert not mistyped.valid and "check character" in mistyped.reason


def test_registering_makes_the_caller_its_first_manager(world, api):
    """Given a new user; when they POST an enterprise; then 201 with the enterprise, and they manage it."""
    user = f.UserFactory()
    response = api(user).post("/api/v1/enterprises/", body(fields=["new-materials"]), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["credit_code"] == EXAMPLE_ENTERPRISE_CREDIT_CODE and data["fields"] == ["new-materials"]
    enterprise = Enterprise.objects.get(pk=data["id"])
    assert list(enterprise.managers.all()) == [user] and list(enterprise.members.all()) == [user]


def test_the_documented_example_registers(world, api):
    """Given the schema's request example; when posted; then 201."""
    response = api(f.UserFactory()).post("/api/v1/enterprises/", REGISTER_ENTERPRISE.value, format="json")
    assert response.status_code == 201, response.content


def test_a_wrong_check_character_is_a_400_naming_credit_code_and_nothing_is_created(world, api):
    """Given the example enterprise with its last character mistyped; when posted; then 400 whose
    `fields.credit_code` gives the reason, and no enterprise, request to join or outbox message exists."""
    counts = (
        Enterprise.objects.count(),
        EnterpriseJoinRequest.objects.count(),
        OutboxMessage.objects.count(),
    )

    response = api(f.UserFactory()).post("/api/v1/enterprises/", MISTYPED_REQUEST, format="json")

    assert response.status_code == 400
    error = assert_error_shape(response)
    assert error["code"] == "invalid_credit_code"
    assert error["fields"] == {"credit_code": ["check character should be '7', got '0'"]}
    after = (Enterprise.objects.count(), EnterpriseJoinRequest.objects.count(), OutboxMessage.objects.count())
    assert after == counts


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91310115MA1H7XKC3", "must be 18 characters, got 17"),
        ("91310115MA1H7XKCO7", "character 'O' at position 17 is not allowed"),
    ],
)
def test_other_bad_codes_say_why(world, api, code, reason):
    """Given a code too short or with a letter the standard never uses; then 400 naming credit_code."""
    response = api(f.UserFactory()).post("/api/v1/enterprises/", body(credit_code=code), format="json")
    assert response.status_code == 400
    assert reason in response.json()["error"]["fields"]["credit_code"][0]


def test_a_registered_code_answers_202_with_a_request_to_join(world, api):
    """Given 上海芯材 registered by its founder; when a colleague posts the same code (spaced, lower case);
    then 202 with a pending request to join and its Location, no duplicate, and the founder is notified;
    posting again gives the same request."""
    founder, colleague = f.UserFactory(), f.UserFactory(username="li.wei")
    api(founder).post("/api/v1/enterprises/", body(), format="json")
    spaced = EXAMPLE_ENTERPRISE_CREDIT_CODE.lower()[:8] + " " + EXAMPLE_ENTERPRISE_CREDIT_CODE[8:]

    response = api(colleague).post(
        "/api/v1/enterprises/", body(credit_code=spaced, message="I run finance"), format="json"
    )

    assert response.status_code == 202, response.content
    data = response.json()
    assert (
        data["status"] == "pending" and data["applicant"] == "li.wei" and data["message"] == "I run finance"
    )
    assert response["Location"] == f"/api/v1/enterprise-join-requests/{data['id']}/"
    assert Enterprise.objects.filter(credit_code=EXAMPLE_ENTERPRISE_CREDIT_CODE).count() == 1
    assert OutboxMessage.objects.filter(topic="enterprise.join_requested").count() == 1
    again = api(colleague).post("/api/v1/enterprises/", body(), format="json")
    assert again.status_code == 202 and again.json()["id"] == data["id"]


def test_a_member_registering_again_is_a_409(world, api):
    """Given the founder; when they post their own enterprise's code again; then 409 already_member."""
    founder = f.UserFactory()
    api(founder).post("/api/v1/enterprises/", body(), format="json")
    response = api(founder).post("/api/v1/enterprises/", body(), format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_member"


def test_the_manager_approves_and_the_applicant_then_sees_the_enterprise(world, api):
    """Given a pending request to join; when the manager lists and approves it; then the applicant is a
    member and reads the enterprise (it was a 404 before)."""
    founder, colleague = f.UserFactory(), f.UserFactory()
    enterprise_id = api(founder).post("/api/v1/enterprises/", body(), format="json").json()["id"]
    join_id = api(colleague).post("/api/v1/enterprises/", body(), format="json").json()["id"]
    assert api(colleague).get(f"/api/v1/enterprises/{enterprise_id}/").status_code == 404

    listed = api(founder).get("/api/v1/enterprise-join-requests/?status=pending").json()["results"]
    assert [row["id"] for row in listed] == [join_id]
    response = api(founder).post(f"/api/v1/enterprise-join-requests/{join_id}/approve/", {}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert api(colleague).get(f"/api/v1/enterprises/{enterprise_id}/").status_code == 200


def test_coordinators_cannot_approve_and_the_applicant_cannot_approve_their_own(world, api):
    """Given a pending request for a Shanghai enterprise; when the Shanghai coordinator, a national one or
    the applicant approves it; then 404, 404 and 403, and it stays pending."""
    founder, colleague = f.UserFactory(), f.UserFactory()
    api(founder).post("/api/v1/enterprises/", body(), format="json")
    join_id = api(colleague).post("/api/v1/enterprises/", body(), format="json").json()["id"]
    url = f"/api/v1/enterprise-join-requests/{join_id}/approve/"

    assert api(world.coordinator).post(url, {}, format="json").status_code == 404
    assert api(world.national).post(url, {}, format="json").status_code == 404
    own = api(colleague).post(url, {}, format="json")
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_request"
    assert EnterpriseJoinRequest.objects.get(pk=join_id).status == "pending"


def test_applicant_b_sees_nothing_of_a_s_enterprise(world, api):
    """Given enterprise A with a pending request to join; when applicant B reads, adds figures or
    decides; then 404 everywhere."""
    world.enterprise_a.managers.add(world.applicant_a)
    other = f.UserFactory()
    join = api(other).post(
        "/api/v1/enterprises/", body(credit_code=world.enterprise_a.credit_code), format="json"
    )
    assert join.status_code == 202
    b = api(world.applicant_b)
    join_id, enterprise_id = join.json()["id"], world.enterprise_a.pk
    assert b.get(f"/api/v1/enterprises/{enterprise_id}/").status_code == 404
    assert b.get(f"/api/v1/enterprise-join-requests/{join_id}/").status_code == 404
    assert (
        b.post(f"/api/v1/enterprise-join-requests/{join_id}/approve/", {}, format="json").status_code == 404
    )
    figures = {"year": 2024, "revenue": "1", "total_assets": "1", "total_costs": "1", "rnd_expense": "0"}
    figures |= {"staff": 1, "st_staff": 0}
    assert (
        b.post(f"/api/v1/enterprises/{enterprise_id}/financials/", figures, format="json").status_code == 404
    )


def test_a_manager_adds_and_corrects_a_year(world, api):
    """Given the founder; when they POST 2025 and PUT a correction; then 201 then 200; a second POST of
    2025 is a 409 and a PUT of a year without figures a 404; the enterprise payload shows the year."""
    founder = f.UserFactory()
    client = api(founder)
    enterprise_id = client.post("/api/v1/enterprises/", body(), format="json").json()["id"]
    figures = {
        "revenue": "42800000.00",
        "total_assets": "61500000.00",
        "total_costs": "39100000.00",
        "rnd_expense": "2650000.00",
        "staff": 86,
        "st_staff": 29,
    }
    url = f"/api/v1/enterprises/{enterprise_id}/financials/"

    assert client.post(url, {"year": 2025, **figures}, format="json").status_code == 201
    assert client.post(url, {"year": 2025, **figures}, format="json").status_code == 409
    corrected = client.put(f"{url}2025/", {**figures, "rnd_expense": "2710000.00"}, format="json")
    assert corrected.status_code == 200 and corrected.json()["rnd_expense"] == "2710000.00"
    assert client.put(f"{url}2024/", figures, format="json").status_code == 404
    payload = client.get(f"/api/v1/enterprises/{enterprise_id}/").json()
    assert [row["year"] for row in payload["financials"]] == [2025]
    assert payload["innovation_credit"] is not None and payload["innovation_credit"]["year"] == 2025


def test_figures_name_what_is_wrong(world, api):
    """Given the founder; when S&T staff exceed staff; then 400 naming st_staff, nothing saved."""
    founder = f.UserFactory()
    client = api(founder)
    enterprise_id = client.post("/api/v1/enterprises/", body(), format="json").json()["id"]
    response = client.post(
        f"/api/v1/enterprises/{enterprise_id}/financials/",
        {"year": 2025, "revenue": "1", "total_assets": "1", "total_costs": "1", "rnd_expense": "0"}
        | {"staff": 3, "st_staff": 4},
        format="json",
    )
    assert response.status_code == 400 and "st_staff" in response.json()["error"]["fields"]
    assert not EnterpriseFinancials.objects.filter(enterprise_id=enterprise_id).exists()
