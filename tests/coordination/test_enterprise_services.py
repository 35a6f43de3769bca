"""Enterprise onboarding rules (DESIGN.md §1, who grants what): coordination/services/enterprise_onboarding.py
and enterprise_financials.py."""

from datetime import date
from decimal import Decimal

import pytest

from coordination.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coordination.models import EnterpriseJoinRequest, OutboxMessage
from coordination.notifications.relay import build_deliveries
from coordination.services import enterprise_financials as financials
from coordination.services import enterprise_onboarding as onboarding
from projects.domain.credit_code import make_credit_code
from projects.models import Enterprise, EnterpriseFinancials, InnovationCreditScore
from tests import factories as f

pytestmark = pytest.mark.django_db

CODE = make_credit_code("91310115MA1H7XKC3")  # ...37
MISTYPED = CODE[:-1] + "0"


def register(user, **overrides):
    values = {
        "user": user,
        "credit_code": CODE,
        "name": "上海芯材科技有限公司",
        "region_code": "310115",
        "field_codes": [],
        "founded_on": date(2019, 4, 16),
        "stage": "growth",
        "industry": "industry",
        "employees": 86,
    }
    values.update(overrides)
    return onboarding.register_enterprise(**values)


def figures(**overrides) -> financials.YearFigures:
    values = {
        "revenue": Decimal("42800000"),
        "total_assets": Decimal("61500000"),
        "total_costs": Decimal("39100000"),
        "rnd_expense": Decimal("2650000"),
        "staff": 86,
        "st_staff": 29,
        "invention_patents": 3,
        "class_ii_ip": 11,
    }
    values.update(overrides)
    return financials.YearFigures(**values)


@pytest.fixture
def founder(world):
    """Given a user who registered 上海芯材 (so its first manager) and a colleague who asked to join it."""
    user = f.UserFactory(username="founder")
    registration = register(user)
    return registration.enterprise, user


# --- registering ---------------------------------------------------------------------------------------


def test_the_user_who_registers_an_enterprise_becomes_its_first_manager(world):
    """Given a signed-in user; when they register a new credit code; then the enterprise exists with that
    user as its only member and manager, and its history names them."""
    user = f.UserFactory()
    registration = register(user, credit_code=CODE.lower()[:9] + " " + CODE[9:])

    enterprise = registration.enterprise
    assert registration.created and registration.join_request is None
    assert enterprise.credit_code == CODE  # stored normalised
    assert list(enterprise.members.all()) == [user] and list(enterprise.managers.all()) == [user]
    assert {record.history_user for record in enterprise.history.all()} == {user}


def test_a_wrong_check_character_is_refused_naming_credit_code_and_nothing_is_created(world):
    """Given a code whose 18th character is wrong; when registering; then ValidationFailed names
    `credit_code` with the check character expected, and no enterprise or request to join exists."""
    before = Enterprise.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        register(f.UserFactory(), credit_code=MISTYPED)

    assert list(refused.value.fields) == ["credit_code"]
    assert "check character should be '7', got '0'" in refused.value.fields["credit_code"][0]
    assert Enterprise.objects.count() == before
    assert not EnterpriseJoinRequest.objects.exists()


def test_every_wrong_field_is_named_at_once(world):
    """Given a valid code but an unknown region, an unknown field and a founding date in the future; when
    registering; then each is named and nothing is created."""
    with pytest.raises(ValidationFailed) as refused:
        register(
            f.UserFactory(),
            region_code="999999",
            field_codes=["no-such-field"],
            founded_on=date(2999, 1, 1),
            stage="teenage",
        )
    assert {"region", "fields", "founded_on", "stage"} <= set(refused.value.fields)
    assert not Enterprise.objects.filter(credit_code=CODE).exists()


def test_a_registered_code_makes_a_request_to_join_and_tells_the_managers(founder):
    """Given 上海芯材 registered by its founder; when a colleague registers the same code; then no second
    enterprise exists, a pending request to join is made, and the outbox tells the founder (only)."""
    enterprise, manager = founder
    colleague = f.UserFactory(username="colleague")

    registration = register(colleague, name="another name", join_message="I am the CFO")

    assert not registration.created and registration.enterprise == enterprise
    assert Enterprise.objects.filter(credit_code=CODE).count() == 1
    join_request = registration.join_request
    assert join_request.status == "pending" and join_request.message == "I am the CFO"
    message = OutboxMessage.objects.get(topic="enterprise.join_requested")
    recipients = {d.user for d in build_deliveries(message) if d.channel == "inbox"}
    assert recipients == {manager}
    assert not enterprise.members.filter(pk=colleague.pk).exists()


def test_asking_again_while_pending_returns_the_same_request_and_notifies_once(founder):
    """Given a pending request to join; when the same user asks again; then the same request comes back
    and no second notification is queued."""
    colleague = f.UserFactory()
    first = onboarding.request_to_join(user=colleague, credit_code=CODE)
    again = register(colleague).join_request
    assert again.pk == first.pk
    assert OutboxMessage.objects.filter(topic="enterprise.join_requested").count() == 1


def test_a_member_asking_to_join_is_told_so(founder):
    """Given the founder; when they ask to join their own enterprise; then a conflict: already a member."""
    _, manager = founder
    with pytest.raises(Conflict) as conflict:
        onboarding.request_to_join(user=manager, credit_code=CODE)
    assert conflict.value.code == "already_member"


def test_coordinators_neither_register_nor_join(world, founder):
    """Given a coordinator; when they register an enterprise or ask to join one; then both are refused."""
    with pytest.raises(PermissionDenied):
        register(world.coordinator, credit_code=make_credit_code("91310115MA1H7XKC4"))
    with pytest.raises(PermissionDenied):
        onboarding.request_to_join(user=world.coordinator, credit_code=CODE)
    assert not EnterpriseJoinRequest.objects.filter(user=world.coordinator).exists()


# --- deciding ------------------------------------------------------------------------------------------


def test_a_manager_approves_and_the_applicant_becomes_a_member_not_a_manager(founder):
    """Given a pending request; when the founder approves it; then the applicant is a member (not a
    manager), the decision is recorded and audited, and the applicant is told."""
    enterprise, manager = founder
    colleague = f.UserFactory()
    join_request = onboarding.request_to_join(user=colleague, credit_code=CODE)

    decided = onboarding.decide_join_request(user=manager, join_request_id=join_request.pk, approve=True)

    assert decided.status == "approved" and decided.decided_by == manager and decided.decided_at
    assert enterprise.members.filter(pk=colleague.pk).exists()
    assert not enterprise.managers.filter(pk=colleague.pk).exists()
    assert join_request.history.latest().history_user == manager
    assert enterprise.history.latest().history_user == manager
    message = OutboxMessage.objects.get(topic="enterprise.join_approved")
    assert {d.user for d in build_deliveries(message) if d.channel == "inbox"} == {colleague}


def test_a_refusal_keeps_the_applicant_out_and_tells_them_why(founder):
    """Given a pending request; when the founder refuses it with a reason; then the applicant is not a
    member and their notification carries the reason."""
    enterprise, manager = founder
    colleague = f.UserFactory()
    join_request = onboarding.request_to_join(user=colleague, credit_code=CODE)

    onboarding.decide_join_request(
        user=manager, join_request_id=join_request.pk, approve=False, reason="Unknown"
    )

    assert not enterprise.members.filter(pk=colleague.pk).exists()
    message = OutboxMessage.objects.get(topic="enterprise.join_refused")
    (delivery,) = [d for d in build_deliveries(message) if d.channel == "inbox"]
    assert delivery.user == colleague and delivery.payload["reason"] == "Unknown"


def test_nobody_approves_their_own_request_not_even_a_superuser(founder):
    """Given a superuser who asked to join; when they approve their own request; then it is refused."""
    root = f.UserFactory(is_superuser=True, is_staff=True)
    join_request = onboarding.request_to_join(user=root, credit_code=CODE)
    with pytest.raises(PermissionDenied) as refused:
        onboarding.decide_join_request(user=root, join_request_id=join_request.pk, approve=True)
    assert refused.value.code == "own_request"
    assert EnterpriseJoinRequest.objects.get(pk=join_request.pk).status == "pending"


def test_a_superuser_may_decide_another_users_request(founder):
    """Given a pending request; when a superuser (not a manager) approves it; then the applicant joins."""
    enterprise, _ = founder
    colleague = f.UserFactory()
    join_request = onboarding.request_to_join(user=colleague, credit_code=CODE)
    root = f.UserFactory(is_superuser=True, is_staff=True)
    onboarding.decide_join_request(user=root, join_request_id=join_request.pk, approve=True)
    assert enterprise.members.filter(pk=colleague.pk).exists()


def test_a_coordinator_never_decides_out_of_sight_or_as_a_manager(world, founder):
    """Given a pending request; when a national coordinator decides it, then it is not found; and when a
    coordinator who (somehow) manages the enterprise decides it, then it is refused."""
    enterprise, _ = founder
    join_request = onboarding.request_to_join(user=f.UserFactory(), credit_code=CODE)
    with pytest.raises(NotFound):
        onboarding.decide_join_request(user=world.national, join_request_id=join_request.pk, approve=True)
    enterprise.members.add(world.coordinator)
    enterprise.managers.add(world.coordinator)
    with pytest.raises(PermissionDenied):
        onboarding.decide_join_request(user=world.coordinator, join_request_id=join_request.pk, approve=True)
    assert EnterpriseJoinRequest.objects.get(pk=join_request.pk).status == "pending"


def test_a_plain_member_and_a_stranger_cannot_decide(founder):
    """Given a pending request and an approved plain member; when that member or a stranger decides;
    then neither sees it (not found)."""
    enterprise, manager = founder
    member = f.UserFactory()
    first = onboarding.request_to_join(user=member, credit_code=CODE)
    onboarding.decide_join_request(user=manager, join_request_id=first.pk, approve=True)
    pending = onboarding.request_to_join(user=f.UserFactory(), credit_code=CODE)
    for user in (member, f.UserFactory()):
        with pytest.raises(NotFound):
            onboarding.decide_join_request(user=user, join_request_id=pending.pk, approve=True)


def test_the_first_decision_stands(founder):
    """Given an approved request; when a manager refuses it afterwards; then a conflict, nothing changes."""
    _, manager = founder
    join_request = onboarding.request_to_join(user=f.UserFactory(), credit_code=CODE)
    onboarding.decide_join_request(user=manager, join_request_id=join_request.pk, approve=True)
    with pytest.raises(Conflict) as conflict:
        onboarding.decide_join_request(user=manager, join_request_id=join_request.pk, approve=False)
    assert conflict.value.code == "already_decided"
    assert EnterpriseJoinRequest.objects.get(pk=join_request.pk).status == "approved"


def test_may_decide_agrees_with_the_service(world, founder):
    """Given a pending request; then may_decide is true exactly for the manager and superusers other than
    the applicant, as the service decides."""
    enterprise, manager = founder
    applicant = f.UserFactory()
    join_request = onboarding.request_to_join(user=applicant, credit_code=CODE)
    root = f.UserFactory(is_superuser=True)
    assert onboarding.may_decide(manager, join_request) and onboarding.may_decide(root, join_request)
    assert not onboarding.may_decide(applicant, join_request)
    assert not onboarding.may_decide(world.national, join_request)
    assert not onboarding.may_decide(world.applicant_a, join_request)


# --- yearly financials ---------------------------------------------------------------------------------


def test_a_manager_adds_a_year_and_the_credit_is_scored(founder):
    """Given the founder; when they add the 2025 figures; then the row exists and the enterprise has a
    2025 innovation credit under the current model."""
    enterprise, manager = founder
    row = financials.add_financials(user=manager, enterprise_id=enterprise.pk, year=2025, figures=figures())
    assert row.revenue == Decimal("42800000.00") and row.st_staff == 29
    assert InnovationCreditScore.objects.filter(enterprise=enterprise, year=2025).exists()
    assert row.history.latest().history_user == manager


def test_a_year_already_there_is_a_conflict_and_an_update_corrects_it(founder):
    """Given 2025's figures; when added again, then a conflict; when updated, then the new figures stand."""
    enterprise, manager = founder
    financials.add_financials(user=manager, enterprise_id=enterprise.pk, year=2025, figures=figures())
    with pytest.raises(Conflict):
        financials.add_financials(user=manager, enterprise_id=enterprise.pk, year=2025, figures=figures())
    financials.update_financials(
        user=manager, enterprise_id=enterprise.pk, year=2025, figures=figures(rnd_expense=Decimal("2710000"))
    )
    assert EnterpriseFinancials.objects.get(enterprise=enterprise, year=2025).rnd_expense == Decimal(
        "2710000"
    )
    with pytest.raises(NotFound):
        financials.update_financials(user=manager, enterprise_id=enterprise.pk, year=2024, figures=figures())


def test_figures_are_checked_field_by_field(founder):
    """Given the founder; when S&T staff exceed staff, revenue is negative and the year is before the
    founding; then each is named and nothing is saved."""
    enterprise, manager = founder
    with pytest.raises(ValidationFailed) as refused:
        financials.add_financials(
            user=manager,
            enterprise_id=enterprise.pk,
            year=2010,
            figures=figures(st_staff=100, revenue=Decimal("-1")),
        )
    assert {"year", "st_staff", "revenue"} <= set(refused.value.fields)
    assert not EnterpriseFinancials.objects.filter(enterprise=enterprise).exists()


def test_only_managers_keep_the_figures(world, founder):
    """Given a plain member, a coordinator in scope and applicant A; when each adds figures; then the member
    and the coordinator are refused and applicant A does not even see the enterprise."""
    enterprise, manager = founder
    member = f.UserFactory()
    join_request = onboarding.request_to_join(user=member, credit_code=CODE)
    onboarding.decide_join_request(user=manager, join_request_id=join_request.pk, approve=True)
    for user in (member, world.coordinator):
        with pytest.raises(PermissionDenied):
            financials.add_financials(user=user, enterprise_id=enterprise.pk, year=2025, figures=figures())
    with pytest.raises(NotFound):
        financials.add_financials(
            user=world.applicant_a, enterprise_id=enterprise.pk, year=2025, figures=figures()
        )
    assert not EnterpriseFinancials.objects.filter(enterprise=enterprise).exists()
