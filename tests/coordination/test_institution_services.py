"""An institution's managers keep its team and catalogue (coordination/services/institutions.py, DESIGN §1):
a manager adds an existing account by username or e-mail and removes members; a plain member is refused
(403), anyone outside (a coordinator too, even one made a member) is told nothing exists (404); nobody
removes themselves; coordinators are never made members; every change is in the institution's history
with the acting user."""

from decimal import Decimal

import pytest

from coordination.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coordination.services import institutions as services
from lenders.models import Product
from lenders.services.catalogue import ProductValues
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world):
    """Bank X: its reviewer `bank-x` manages it; `bank-x-2` is a plain member; `newcomer` has signed up."""
    world.bank_x.managers.add(world.bank_x_user)
    world.bank_x_member = f.UserFactory(username="bank-x-2")
    world.bank_x.members.add(world.bank_x_member)
    world.newcomer = f.UserFactory(username="newcomer", email="New.Comer@bank-x.example.cn")
    return world


def members(institution) -> set[str]:
    return set(institution.members.values_list("username", flat=True))


def test_a_manager_adds_an_account_by_username(team):
    added = services.add_member(user=team.bank_x_user, institution_id=team.bank_x.pk, who="newcomer")
    assert added == team.newcomer
    assert "newcomer" in members(team.bank_x)
    assert not team.bank_x.managers.filter(pk=team.newcomer.pk).exists()


def test_a_manager_adds_an_account_by_email_whatever_its_case(team):
    services.add_member(
        user=team.bank_x_user, institution_id=team.bank_x.pk, who=" new.comer@BANK-X.example.cn "
    )
    assert "newcomer" in members(team.bank_x)


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("nobody-here", "No account has this username or e-mail address"),
        ("", "Give a username or an e-mail address."),
    ],
)
def test_an_unknown_account_is_refused_on_the_field(team, who, reason):
    with pytest.raises(ValidationFailed) as refused:
        services.add_member(user=team.bank_x_user, institution_id=team.bank_x.pk, who=who)
    assert refused.value.fields["who"][0].startswith(reason)


def test_an_email_shared_by_two_accounts_asks_for_the_username(team):
    f.UserFactory(username="twin", email="new.comer@bank-x.example.cn")
    with pytest.raises(ValidationFailed) as refused:
        services.add_member(
            user=team.bank_x_user, institution_id=team.bank_x.pk, who="new.comer@bank-x.example.cn"
        )
    assert "give the username" in refused.value.fields["who"][0]


def test_a_coordinator_is_never_made_a_member(team):
    with pytest.raises(ValidationFailed) as refused:
        services.add_member(user=team.bank_x_user, institution_id=team.bank_x.pk, who="coord-sh")
    assert refused.value.code == "coordinator_refused"
    assert "coord-sh" not in members(team.bank_x)


def test_adding_a_member_twice_is_a_conflict(team):
    with pytest.raises(Conflict):
        services.add_member(user=team.bank_x_user, institution_id=team.bank_x.pk, who="bank-x-2")


def test_a_plain_member_is_refused_and_outsiders_are_told_nothing(team):
    """Given bank X's plain member, bank Y's reviewer (even as Y's manager), an applicant and a coordinator
    made a member of bank X, when each tries to add someone to bank X, then the member is refused (403) and
    the others get not found; nobody was added."""
    team.bank_y.managers.add(team.bank_y_user)
    team.bank_x.members.add(team.coordinator)
    team.bank_x.managers.add(team.coordinator)
    with pytest.raises(PermissionDenied):
        services.add_member(user=team.bank_x_member, institution_id=team.bank_x.pk, who="newcomer")
    for outsider in (team.bank_y_user, team.applicant_a, team.coordinator):
        with pytest.raises(NotFound):
            services.add_member(user=outsider, institution_id=team.bank_x.pk, who="newcomer")
    assert "newcomer" not in members(team.bank_x)


def test_removing_a_manager_removes_the_role_too(team):
    other_manager = f.UserFactory(username="bank-x-boss")
    team.bank_x.members.add(other_manager)
    team.bank_x.managers.add(other_manager)
    services.remove_member(user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=other_manager.pk)
    assert "bank-x-boss" not in members(team.bank_x)
    assert not team.bank_x.managers.filter(pk=other_manager.pk).exists()


def test_nobody_removes_themselves(team):
    with pytest.raises(PermissionDenied) as refused:
        services.remove_member(
            user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=team.bank_x_user.pk
        )
    assert refused.value.code == "own_membership"
    assert "bank-x" in members(team.bank_x)


def test_removing_someone_who_is_not_a_member_is_not_found(team):
    with pytest.raises(NotFound):
        services.remove_member(
            user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=team.bank_y_user.pk
        )


def test_team_changes_are_audited_with_the_acting_user(team):
    """Given a manager who adds then removes a member, then the institution's history has both changes, each
    naming the manager, and the member lists before and after."""
    before = team.bank_x.history.count()
    services.add_member(user=team.bank_x_user, institution_id=team.bank_x.pk, who="newcomer")
    services.remove_member(user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=team.newcomer.pk)
    records = list(team.bank_x.history.all()[: team.bank_x.history.count() - before])
    assert len(records) >= 2
    assert {record.history_user for record in records} == {team.bank_x_user}
    latest_members = {row.user_id for row in records[0].members.all()}
    assert team.newcomer.pk not in latest_members and team.bank_x_user.pk in latest_members


def test_a_plain_member_cannot_change_the_catalogue_nor_an_outsider_reach_it(team):
    values = ProductValues(
        name="New",
        instrument="credit_loan",
        min_amount=Decimal("1000000"),
        max_amount=Decimal("2000000"),
        min_term_months=6,
        max_term_months=12,
        yearly_capacity=Decimal("10000000"),
        active_from=team.loan_x.active_from,
    )
    with pytest.raises(PermissionDenied):
        services.save_product(user=team.bank_x_member, institution_id=team.bank_x.pk, values=values)
    with pytest.raises(NotFound):
        services.save_product(user=team.bank_y_user, institution_id=team.bank_x.pk, values=values)
    saved = services.save_product(user=team.bank_x_user, institution_id=team.bank_x.pk, values=values)
    assert saved.institution == team.bank_x
    assert Product.objects.get(pk=saved.pk).history.first().history_user == team.bank_x_user


def test_a_manager_makes_a_member_a_manager_and_takes_the_role_back(team):
    """Given bank X's manager, when it makes its plain member a manager, then the member manages bank X (and
    may now add members); taking the role back leaves them a plain member. Both are in the history."""
    services.set_manager(
        user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=team.bank_x_member.pk, manager=True
    )
    assert team.bank_x.managers.filter(pk=team.bank_x_member.pk).exists()
    services.add_member(user=team.bank_x_member, institution_id=team.bank_x.pk, who="newcomer")
    services.set_manager(
        user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=team.bank_x_member.pk, manager=False
    )
    assert not team.bank_x.managers.filter(pk=team.bank_x_member.pk).exists()
    assert "bank-x-2" in members(team.bank_x)
    assert team.bank_x.history.first().history_user == team.bank_x_user


def test_nobody_changes_their_own_role_nor_a_non_members(team):
    with pytest.raises(PermissionDenied):
        services.set_manager(
            user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=team.bank_x_user.pk, manager=False
        )
    with pytest.raises(NotFound):
        services.set_manager(
            user=team.bank_x_user, institution_id=team.bank_x.pk, member_id=team.newcomer.pk, manager=True
        )
    with pytest.raises(PermissionDenied):
        services.set_manager(
            user=team.bank_x_member,
            institution_id=team.bank_x.pk,
            member_id=team.bank_x_member.pk,
            manager=True,
        )
    assert list(team.bank_x.managers.all()) == [team.bank_x_user]


def test_the_admin_refuses_a_manager_who_is_not_a_member(team):
    """A superuser appoints the first manager in the admin: only among the institution's members."""
    from coordination.admin.lenders import InstitutionForm

    institution = team.bank_x
    data = {
        "name": institution.name,
        "kind": institution.kind,
        "credit_code": institution.credit_code,
        "members": [team.bank_x_user.pk],
        "managers": [team.bank_x_user.pk, team.newcomer.pk],
        "is_active": "on",
    }
    form = InstitutionForm(data=data, instance=institution)
    assert not form.is_valid()
    assert form.errors["managers"] == ["Managers must be members too: newcomer."]
    data["managers"] = [team.bank_x_user.pk]
    assert InstitutionForm(data=data, instance=institution).is_valid()
