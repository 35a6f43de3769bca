"""Only a subscription's own party (or a superuser) subscribes it, through the API."""

import pytest
from rest_framework.test import APIClient

from coordination.models import WebhookSubscription
from coordination.services.tokens import issue_token
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.cn/hook"


def post(user, **party):
    client = APIClient(headers={"accept-language": "en"})
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=user)[1]}")
    return client.post("/api/v1/webhooks/", {"url": URL, **party}, format="json")


def owner_of(response) -> tuple:
    hook = WebhookSubscription.objects.get(pk=response.json()["id"])
    return hook.enterprise, hook.institution, hook.coordinator


def test_each_party_subscribes_for_itself(world):
    mine = post(world.applicant_a, party="enterprise", party_id=world.enterprise_a.pk)
    assert mine.status_code == 201 and owner_of(mine) == (world.enterprise_a, None, None)
    bank = post(world.bank_x_user, party="institution", party_id=world.bank_x.pk)
    assert bank.status_code == 201 and owner_of(bank) == (None, world.bank_x, None)
    scope = post(world.coordinator, party="coordinator")
    assert scope.status_code == 201 and owner_of(scope) == (None, None, world.coordinator)


@pytest.mark.parametrize(
    ("who", "party", "target", "status", "field"),
    [
        ("applicant_b", "enterprise", "enterprise_a", 400, "party_id"),
        ("applicant_a", "institution", "bank_x", 400, "party_id"),
        ("applicant_a", "coordinator", None, 403, None),
        ("bank_y_user", "institution", "bank_x", 400, "party_id"),
        ("coordinator", "enterprise", "enterprise_a", 400, "party_id"),
        ("national", "institution", "bank_x", 400, "party_id"),
    ],
)
def test_nobody_subscribes_for_another_party(world, who, party, target, status, field):
    party_id = {"party_id": getattr(world, target).pk} if target else {}
    response = post(getattr(world, who), party=party, **party_id)
    assert response.status_code == status
    if field:
        assert response.json()["error"]["fields"][field]
    assert not WebhookSubscription.objects.exists()


def test_superuser_subscribes_for_any_named_party(world):
    root = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    response = post(root, party="enterprise", party_id=world.enterprise_b.pk)
    assert response.status_code == 201 and owner_of(response) == (world.enterprise_b, None, None)
    bank = post(root, party="institution", party_id=world.bank_y.pk)
    assert bank.status_code == 201 and owner_of(bank) == (None, world.bank_y, None)
    assert post(root, party="institution").status_code == 400  # a superuser must name the party
