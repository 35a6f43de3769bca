"""The console's disclosure log and requests to join (DESIGN §1): read-only, scoped by the selectors — a
regional coordinator sees the disclosures of its regions' requests only; requests to join are the
superusers' (coordinators never grant memberships)."""

import pytest
from django.test import Client
from django.urls import reverse

from coordination.models import Disclosure, EnterpriseJoinRequest
from coordination.permissions import sync_coordinator_group
from coordination.services import enterprise_onboarding as es
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _opened(world, enterprise, applicant) -> Disclosure:
    request = f.draft_request(user=applicant, enterprise=enterprise)
    rq.submit_request(request_id=request.pk, user=applicant)
    routing.route_request(request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk])
    rs.open_referral(referral_id=request.referrals.get().pk, user=world.bank_x_user)
    return Disclosure.objects.get(request=request)


@pytest.fixture
def logged(world):
    group = sync_coordinator_group()
    for user in (world.coordinator, world.national):
        user.groups.add(group)
    shanghai = _opened(world, world.enterprise_a, world.applicant_a)
    beijing = _opened(world, world.enterprise_b, world.applicant_b)
    joining = f.UserFactory(username="joining")
    join = es.request_to_join(user=joining, credit_code=world.enterprise_a.credit_code, message="hi")
    return shanghai, beijing, join


def test_a_regional_coordinator_reads_its_regions_disclosures_only(world, logged):
    """Given bank X opened a Shanghai and a Beijing referral, when the Shanghai coordinator lists the
    disclosures, then it sees the Shanghai one (with its local time and data in words) and the Beijing
    one is a 404."""
    shanghai, beijing, _join = logged
    client = client_for(world.coordinator)
    listing = client.get(reverse("admin:coordination_disclosure_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [shanghai]
    assert "Profile (name, credit code, certifications)" in listing.content.decode()
    assert client.get(reverse("admin:coordination_disclosure_change", args=[shanghai.pk])).status_code == 200
    assert client.get(reverse("admin:coordination_disclosure_change", args=[beijing.pk])).status_code == 404
    national = client_for(world.national).get(reverse("admin:coordination_disclosure_changelist"))
    assert set(national.context["cl"].result_list) == {shanghai, beijing}


def test_the_disclosure_log_is_read_only_even_for_a_superuser(world, logged):
    shanghai, _beijing, join = logged
    root = client_for(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    for model, obj in (("disclosure", shanghai), ("enterprisejoinrequest", join)):
        assert root.get(reverse(f"admin:coordination_{model}_add")).status_code == 403
        change = reverse(f"admin:coordination_{model}_change", args=[obj.pk])
        page = root.get(change)
        assert page.status_code == 200 and not page.context["adminform"].form.fields
        assert root.post(change, {}).status_code == 403
        assert root.post(reverse(f"admin:coordination_{model}_delete", args=[obj.pk])).status_code == 403
    assert Disclosure.objects.count() == 2 and EnterpriseJoinRequest.objects.get() == join


def test_requests_to_join_are_not_a_coordinators_business(world, logged):
    """Given a pending request to join enterprise A, when a national coordinator reaches for it, then the
    list is not open to it (403) and the page is not either; a superuser reads both."""
    _shanghai, _beijing, join = logged
    national = client_for(world.national)
    assert national.get(reverse("admin:coordination_enterprisejoinrequest_changelist")).status_code == 403
    assert national.get(
        reverse("admin:coordination_enterprisejoinrequest_change", args=[join.pk])
    ).status_code in {403, 404}
    root = client_for(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = root.get(reverse("admin:coordination_enterprisejoinrequest_changelist"), {"status": "pending"})
    assert list(listing.context["cl"].result_list) == [join]


def test_an_enterprise_manager_who_is_staff_sees_only_the_requests_to_join_it(world, logged):
    """Given a staff user who manages enterprise B and holds the view permission, when it lists requests to
    join, then only enterprise B's appear (the selector's scope), here none."""
    from django.contrib.auth.models import Permission

    _shanghai, _beijing, join = logged
    manager = f.UserFactory(username="manager-b", is_staff=True)
    world.enterprise_b.members.add(manager)
    world.enterprise_b.managers.add(manager)
    manager.user_permissions.add(Permission.objects.get(codename="view_enterprisejoinrequest"))
    client = client_for(manager)
    listing = client.get(reverse("admin:coordination_enterprisejoinrequest_changelist"))
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == []
    assert (
        client.get(reverse("admin:coordination_enterprisejoinrequest_change", args=[join.pk])).status_code
        == 404
    )
