"""/api/v1/loss-claims/ (DESIGN §10): bad input is a 400 naming the field, nothing written; the payload
offers the engine's actions; claim news reach the claim's institution and coordinators, never the SME."""

from decimal import Decimal

import pytest
from django.utils import timezone

from coordination.models import LossClaim, OutboxMessage
from coordination.notifications.audience import audiences_for
from coordination.services import approvals
from tests.factories_policy import ProgrammeFactory
from tests.policies.test_ledger import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def tranche(world):
    ProgrammeFactory(kind="risk_compensation")
    request = accepted(world, world.enterprise_a)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    return request.tranches.get()


def _body(funded, **changes):
    return {"tranche": funded.pk, "loss": "1000000", "defaulted_on": str(timezone.localdate()), **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"loss": "3000000.01"}, "loss"),  # above the principal outstanding
        ({"loss": "-5"}, "loss"),
        ({"loss": "１０００"}, "loss"),  # full-width digits
        ({"defaulted_on": "2026-13-01"}, "defaulted_on"),
        ({"defaulted_on": "2999-01-01"}, "defaulted_on"),
        ({"tranche": "x"}, "tranche"),
        ({"programme": 0}, "programme"),
    ],
)
def test_a_bad_report_is_a_400_naming_the_field_and_writes_nothing(world, api, tranche, changes, field):
    response = api(world.bank_x_user).post("/api/v1/loss-claims/", _body(tranche, **changes), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not LossClaim.objects.exists()


def test_the_bank_reports_and_the_coordinator_approves_and_pays_over_the_api(world, api, tranche):
    created = api(world.bank_x_user).post("/api/v1/loss-claims/", _body(tranche, note="n"), format="json")
    assert created.status_code == 201, created.content
    claim = created.json()
    assert (claim["status"], claim["amount"], claim["available_actions"]) == ("reported", "600000.00", [])
    coordinator = api(world.coordinator)
    seen = coordinator.get(f"/api/v1/loss-claims/{claim['id']}/").json()
    assert seen["available_actions"] == ["approve", "reject"]
    approved = coordinator.post(f"/api/v1/loss-claims/{claim['id']}/approve/", {}, format="json")
    assert approved.json()["status"] == "approved"
    paid = coordinator.post(f"/api/v1/loss-claims/{claim['id']}/pay/", {}, format="json")
    assert paid.json()["status"] == "paid"
    again = coordinator.post(f"/api/v1/loss-claims/{claim['id']}/pay/", {}, format="json")
    assert again.status_code == 409
    reject = coordinator.post(f"/api/v1/loss-claims/{claim['id']}/reject/", {}, format="json")
    assert reject.status_code == 400 and "reason" in reject.json()["error"]["fields"]


def test_claim_news_go_to_its_institution_and_coordinators_never_to_the_sme(world, api, tranche):
    claim = api(world.bank_x_user).post("/api/v1/loss-claims/", _body(tranche), format="json").json()
    api(world.coordinator).post(f"/api/v1/loss-claims/{claim['id']}/approve/", {}, format="json")
    told: dict[str, set[str]] = {}
    for message in OutboxMessage.objects.filter(topic__startswith="loss_claim."):
        for audience in audiences_for(message):
            told.setdefault(message.topic, set()).update(u.username for u in audience.users)
    assert told["loss_claim.report_default"] == {"coord-sh"}
    assert told["loss_claim.approve"] == {"bank-x"}
    assert Decimal(claim["loss"]) == Decimal("1000000")
