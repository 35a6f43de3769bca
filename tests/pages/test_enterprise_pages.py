"""/sme/enterprises/new/ and /sme/enterprises/<id>/ (DESIGN.md §9), with Django's test client, every role.

Out of scope is a 404 (applicant B never sees A's enterprise); the enterprise page renders in a fixed
number of queries whatever its years and members.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination.models import EnterpriseJoinRequest
from coordination.services import enterprise_onboarding as svc
from projects.credits.services import compute_scores
from projects.domain.credit_code import make_credit_code
from projects.models import CreditModel, Enterprise, EnterpriseFinancials
from tests import factories as f

pytestmark = pytest.mark.django_db

CODE = make_credit_code("91310115MA1H7XKC3")  # ...37
MISTYPED = CODE[:-1] + "0"
NEW = "/sme/enterprises/new/"


def form_data(**overrides) -> dict:
    values = {
        "action": "register",
        "credit_code": CODE,
        "name": "上海芯材科技有限公司",
        "region": "310115",
        "tech_fields": ["new-materials"],
        "founded_on": "2019-04-16",
        "stage": "growth",
        "industry": "industry",
        "employees": "86",
        "specialised_status": "none",
    }
    values.update(overrides)
    return values


def signed_in(client, user):
    client.force_login(user)
    return client


def page_of(enterprise) -> str:
    return f"/sme/enterprises/{enterprise.pk}/"


@pytest.fixture
def managed(world):
    """Given enterprise A managed by applicant A, with a plain member, its 2025 figures scored, and a
    stranger's pending request to join."""
    enterprise = world.enterprise_a
    enterprise.managers.add(world.applicant_a)
    member = f.UserFactory(username="plain-member")
    enterprise.members.add(member)
    model = CreditModel.objects.current()
    compute_scores(model_id=model.pk, year=2025, enterprise_ids=[enterprise.pk])
    stranger = f.UserFactory(username="stranger")
    join_request = svc.request_to_join(user=stranger, credit_code=enterprise.credit_code, message="Hello")
    return enterprise, member, join_request


# --- registering --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    """Given nobody signed in; when opening the form; then a redirect to the login page."""
    response = client.get(NEW)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ["applicant_a", "applicant_b", "bank_x_user", "coordinator", "national"])
def test_every_signed_in_user_sees_the_form(client, world, role):
    """Given any signed-in user; when opening /sme/enterprises/new/; then the form with the code check."""
    response = signed_in(client, getattr(world, role)).get(NEW)
    assert response.status_code == 200
    assert b'data-credit-code-check="/sme/enterprises/credit-code-check/"' in response.content


def test_registering_leads_to_the_enterprise_page_as_its_manager(client, world):
    """Given a new user; when they submit the form; then the enterprise exists, they manage it, and they
    land on its page."""
    user = f.UserFactory()
    response = signed_in(client, user).post(NEW, form_data())

    enterprise = Enterprise.objects.get(credit_code=CODE)
    assert response.status_code == 302 and response["Location"] == page_of(enterprise)
    assert list(enterprise.managers.all()) == [user]
    page = client.get(page_of(enterprise))
    assert "You manage this enterprise" in page.content.decode()


def test_a_wrong_check_character_shows_the_reason_and_creates_nothing(client, world):
    """Given the code with its last character mistyped; when submitted; then the form comes back with the
    reason under the code, and nothing is created."""
    response = signed_in(client, f.UserFactory()).post(NEW, form_data(credit_code=MISTYPED))
    assert response.status_code == 200
    assert "check character should be &#x27;7&#x27;, got &#x27;0&#x27;" in response.content.decode()
    assert not Enterprise.objects.filter(credit_code__in=[CODE, MISTYPED]).exists()


def test_the_code_is_checked_as_typed(client, world):
    """Given a signed-in user; when the page asks about a mistyped, a taken and a free code; then it
    says why, that it is taken, and that it is fine."""
    client = signed_in(client, f.UserFactory())
    url = "/sme/enterprises/credit-code-check/"
    assert b'data-state="invalid"' in client.get(url, {"credit_code": MISTYPED}).content
    taken = client.get(url, {"credit_code": world.enterprise_a.credit_code}).content.decode()
    # Taken, but not whose: the name appears only once the user submits that code to ask to join.
    assert 'data-state="taken"' in taken and world.enterprise_a.name not in taken
    assert b'data-state="valid"' in client.get(url, {"credit_code": CODE}).content


def test_a_registered_code_asks_to_join_and_only_then_makes_a_request(client, world, managed):
    """Given enterprise A; when another user submits its code, then the page says it is registered and
    offers to ask to join (nothing made yet); when they ask, then a pending request exists."""
    enterprise = world.enterprise_a
    user = f.UserFactory()
    client = signed_in(client, user)
    response = client.post(NEW, form_data(credit_code=enterprise.credit_code))
    assert response.status_code == 200
    assert 'id="ask-to-join"' in response.content.decode()
    assert not EnterpriseJoinRequest.objects.filter(user=user).exists()

    asked = client.post(NEW, {"action": "join", "credit_code": enterprise.credit_code, "message": "CFO"})

    assert asked.status_code == 302
    join_request = EnterpriseJoinRequest.objects.get(user=user)
    assert join_request.enterprise == enterprise and join_request.status == "pending"
    assert Enterprise.objects.filter(credit_code=enterprise.credit_code).count() == 1
    assert enterprise.name in client.get(NEW).content.decode()  # listed under "your requests to join"


def test_a_coordinator_submitting_is_refused_with_a_reason(client, world):
    """Given the Shanghai coordinator; when they submit the form; then it is refused, nothing created."""
    response = signed_in(client, world.coordinator).post(NEW, form_data())
    assert response.status_code == 200
    assert "Coordinators do not register enterprises." in response.content.decode()
    assert not Enterprise.objects.filter(credit_code=CODE).exists()


# --- the enterprise's page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("applicant_a", 200),
        ("plain_member", 200),
        ("applicant_b", 404),
        ("bank_x_user", 404),
        ("coordinator", 404),
        ("national", 404),
        ("stranger", 404),
    ],
)
def test_only_members_see_the_enterprise_page(client, world, managed, role, status):
    """Given enterprise A; when each role opens its page; then members see it and everyone else gets 404
    (applicant B never sees A's data; coordinators read it in the admin, not here)."""
    enterprise, member, join_request = managed
    user = {"plain_member": member, "stranger": join_request.user}.get(role) or getattr(world, role)
    response = signed_in(client, user).get(page_of(enterprise))
    assert response.status_code == status
    if status == 404:
        assert enterprise.name.encode() not in response.content


def test_the_page_explains_each_evaluation_in_words(client, world, managed):
    """Given enterprise A with 2025 figures (R&D 3,000,000 of revenue 30,000,000 = 10%); when its manager
    opens the page; then the tech-SME lines, the size class, the credit breakdown and the percentile are
    written out."""
    enterprise, _, _ = managed
    text = signed_in(client, world.applicant_a).get(page_of(enterprise)).content.decode()
    assert "R&amp;D 10.0% of revenue → 50 of 50 points" in text
    assert "S&amp;T staff 30 of 80 (37.5% of staff) → 20 of 20 points" in text
    assert 'id="size-class"' in text and "Both limits must be reached" in text
    assert "points × weight" in text
    assert "Percentile" in text and "scored in its cohort (province 310000" in text
    assert "3,000.00 万元" in text  # money in 万元 with separators


def test_the_manager_sees_pending_requests_with_buttons_and_a_member_does_not(client, world, managed):
    """Given a pending request; then its manager sees it with approve and refuse; a plain member sees no
    request at all."""
    enterprise, member, join_request = managed
    manager_page = signed_in(client, world.applicant_a).get(page_of(enterprise)).content.decode()
    assert (
        "stranger" in manager_page and 'value="approve"' in manager_page and 'value="refuse"' in manager_page
    )
    client.logout()
    member_page = signed_in(client, member).get(page_of(enterprise)).content.decode()
    assert "stranger" not in member_page and 'value="approve"' not in member_page
    assert "Add a year" not in member_page


def test_the_manager_approves_from_the_page(client, world, managed):
    """Given a pending request; when the manager approves it on the page; then the applicant is a member."""
    enterprise, _, join_request = managed
    url = f"{page_of(enterprise)}join-requests/{join_request.pk}/decide/"
    response = signed_in(client, world.applicant_a).post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    assert enterprise.members.filter(pk=join_request.user_id).exists()


@pytest.mark.parametrize("role", ["plain_member", "applicant_b", "coordinator", "national", "stranger"])
def test_nobody_else_decides_from_the_page(client, world, managed, role):
    """Given a pending request; when a plain member, applicant B, a coordinator or the applicant posts a
    decision; then it is a 404 (not their page or not their request) and the request stays pending."""
    enterprise, member, join_request = managed
    user = {"plain_member": member, "stranger": join_request.user}.get(role) or getattr(world, role)
    url = f"{page_of(enterprise)}join-requests/{join_request.pk}/decide/"
    response = signed_in(client, user).post(url, {"decision": "approve"})
    assert response.status_code == 404
    assert EnterpriseJoinRequest.objects.get(pk=join_request.pk).status == "pending"


def test_the_manager_adds_and_edits_a_year(client, world, managed):
    """Given the manager; when they add 2024 and correct 2025; then both are stored."""
    enterprise, _, _ = managed
    client = signed_in(client, world.applicant_a)
    figures = {
        "revenue": "20000000",
        "total_assets": "40000000",
        "total_costs": "18000000",
        "rnd_expense": "1500000",
        "staff": "70",
        "st_staff": "25",
        "invention_patents": "1",
        "other_class_i_ip": "0",
        "class_ii_ip": "3",
        "tech_contract_turnover": "0",
        "vc_received": "0",
    }
    added = client.post(f"{page_of(enterprise)}financials/add/", {"year": "2024", **figures})
    assert added.status_code == 302
    edited = client.post(f"{page_of(enterprise)}financials/2025/", {**figures, "rnd_expense": "3100000"})
    assert edited.status_code == 302
    assert EnterpriseFinancials.objects.get(enterprise=enterprise, year=2024).revenue == Decimal("20000000")
    assert EnterpriseFinancials.objects.get(enterprise=enterprise, year=2025).rnd_expense == Decimal(
        "3100000"
    )


def test_bad_figures_come_back_with_the_reason(client, world, managed):
    """Given the manager; when S&T staff exceed staff; then the form shows the service's reason."""
    enterprise, _, _ = managed
    form = {"year": "2024", "revenue": "1", "total_assets": "1", "total_costs": "1", "rnd_expense": "0"}
    form |= {"staff": "3", "st_staff": "5", "invention_patents": "0", "other_class_i_ip": "0"}
    form |= {"class_ii_ip": "0", "tech_contract_turnover": "0", "vc_received": "0"}
    response = signed_in(client, world.applicant_a).post(f"{page_of(enterprise)}financials/add/", form)
    assert (
        response.status_code == 200 and "S&amp;T staff cannot exceed all staff." in response.content.decode()
    )


@pytest.mark.parametrize(("role", "status"), [("plain_member", 403), ("applicant_b", 404), ("national", 404)])
def test_only_managers_open_the_figures_forms(client, world, managed, role, status):
    """Given enterprise A; when a plain member, applicant B or a coordinator opens its figures forms;
    then 403 for the member (in the enterprise, not a manager) and 404 for the others."""
    enterprise, member, _ = managed
    user = member if role == "plain_member" else getattr(world, role)
    client = signed_in(client, user)
    assert client.get(f"{page_of(enterprise)}financials/add/").status_code == status
    assert client.get(f"{page_of(enterprise)}financials/2025/").status_code == status


# --- query counts ---------------------------------------------------------------------------------------


def _grow(enterprise, years: int, members: int, requests: int) -> None:
    for year in range(2025 - years, 2025):
        f.FinancialsFactory(enterprise=enterprise, year=year)
    enterprise.members.add(*(f.UserFactory() for _ in range(members)))
    for _ in range(requests):
        svc.request_to_join(user=f.UserFactory(), credit_code=enterprise.credit_code)


def test_the_page_costs_the_same_queries_whatever_its_years_members_and_requests(client, world, managed):
    """Given enterprise A; when its page is rendered with one year, then with six years, twelve more members
    and five more requests to join; then the number of queries is the same."""
    enterprise, _, _ = managed
    client = signed_in(client, world.applicant_a)
    client.get(page_of(enterprise))  # warm the session and the content types

    with CaptureQueriesContext(connection) as small:
        assert client.get(page_of(enterprise)).status_code == 200
    _grow(enterprise, years=5, members=12, requests=5)
    with CaptureQueriesContext(connection) as large:
        response = client.get(page_of(enterprise))
    assert response.status_code == 200
    assert response.content.decode().count("Edit 20") == 6
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # 13 for the page (one for the recommendation lists it is on), 2 for the header (roles, unread count).
    assert len(small) <= 15


def test_the_founding_date_the_form_shows_is_the_one_stored(client, world):
    """Given a registered enterprise; then its page shows the founding date as stored (Asia/Shanghai dates
    are plain dates: no shift)."""
    user = f.UserFactory()
    signed_in(client, user).post(NEW, form_data(founded_on=date(2019, 4, 16).isoformat()))
    enterprise = Enterprise.objects.get(credit_code=CODE)
    assert "2019-04-16" in client.get(page_of(enterprise)).content.decode()
