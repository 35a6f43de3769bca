"""Recorded funding is bounded by the accepted offer it pays out: the amount (more than zero, at most the
offer's) and the day (not before the acceptance, not in the future), days counted in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.errors import ValidationFailed
from coordination.models import TransitionEvent
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services.tokens import issue_token
from tests.factories import draft_request

pytestmark = pytest.mark.django_db

OFFERED = Decimal("3000000")


def offered_request(world):
    """Applicant A's 3 M credit-loan request, routed to bank X, which offered 3 M."""
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=OFFERED,
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    return request, offer


def accept_and_approve(world, request, offer):
    rs.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    approvals.approve_request(request_id=request.pk, user=world.coordinator)
    request.refresh_from_db()
    assert request.status == "approved"
    return request


def approved_request(world):
    return accept_and_approve(world, *offered_request(world))


def refused(world, request, **funding) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as raised:
        approvals.record_funding(request_id=request.pk, user=world.bank_x_user, **funding)
    tranche = request.tranches.get()
    assert tranche.funded_on is None and tranche.funded_amount is None  # nothing half-written
    request.refresh_from_db()
    assert request.status == "approved"
    assert not TransitionEvent.objects.filter(request=request, action="record_funding").exists()
    return raised.value.fields


def test_more_than_the_offer_is_refused_naming_the_amount(world):
    """Given a 3 M accepted offer, when the bank records 999 999 999 999 999.99 yuan (the probe's 200), then
    it is refused naming the amount and the offer's amount."""
    request = approved_request(world)
    fields = refused(world, request, amount=Decimal("999999999999999.99"))
    assert list(fields) == ["amount"] and "3000000" in fields["amount"][0]
    assert list(refused(world, request, amount=OFFERED + Decimal("0.01"))) == ["amount"]
    assert list(refused(world, request, amount=Decimal("0"))) == ["amount"]
    assert list(refused(world, request, amount=Decimal("-1"))) == ["amount"]


def test_a_day_before_the_acceptance_or_in_the_future_is_refused_naming_the_day(world):
    request = approved_request(world)
    today = timezone.localdate()
    assert list(refused(world, request, funded_on=date(1900, 1, 1))) == ["funded_on"]
    assert list(refused(world, request, funded_on=today - timedelta(days=1))) == ["funded_on"]
    assert list(refused(world, request, funded_on=today + timedelta(days=1))) == ["funded_on"]
    both = refused(world, request, amount=OFFERED * 2, funded_on=date(1900, 1, 1))
    assert set(both) == {"amount", "funded_on"}


def test_a_partial_or_exact_amount_on_the_acceptance_day_is_recorded(world):
    request = approved_request(world)
    approvals.record_funding(
        request_id=request.pk,
        user=world.bank_x_user,
        amount=Decimal("2500000"),
        funded_on=timezone.localdate(),
    )
    tranche = request.tranches.get()
    assert (tranche.funded_amount, tranche.funded_on) == (Decimal("2500000"), timezone.localdate())
    request.refresh_from_db()
    assert request.status == "funded"


def test_without_an_amount_or_a_day_the_offer_and_today_are_recorded(world):
    request = approved_request(world)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    tranche = request.tranches.get()
    assert (tranche.funded_amount, tranche.funded_on) == (OFFERED, timezone.localdate())


def test_the_acceptance_day_counts_not_the_offer_day(world):
    """Given an offer made on 1 March and accepted on 3 March, funding dated 2 March is refused."""
    with time_machine.travel(datetime(2026, 3, 1, 2, 0, tzinfo=UTC), tick=False):
        request, offer = offered_request(world)
    with time_machine.travel(datetime(2026, 3, 3, 2, 0, tzinfo=UTC), tick=False):
        accept_and_approve(world, request, offer)
        fields = refused(world, request, funded_on=date(2026, 3, 2))
        assert list(fields) == ["funded_on"] and "2026-03-03" in fields["funded_on"][0]
        approvals.record_funding(request_id=request.pk, user=world.bank_x_user, funded_on=date(2026, 3, 3))


def test_days_are_counted_in_shanghai(world):
    """Given an acceptance at 23:30 in Shanghai (15:30 UTC), when the bank records funding 30 minutes after
    Shanghai's midnight (still the previous day in UTC), then Shanghai's new day is today, not the future,
    and the acceptance day is Shanghai's, so the UTC day before it is refused."""
    accepted_at = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 2026-03-01 23:30 Asia/Shanghai
    with time_machine.travel(accepted_at, tick=False):
        request = approved_request(world)
    with time_machine.travel(accepted_at + timedelta(hours=1), tick=False):  # 2026-03-02 00:30 Shanghai
        assert list(refused(world, request, funded_on=date(2026, 2, 28))) == ["funded_on"]
        assert list(refused(world, request, funded_on=date(2026, 3, 3))) == ["funded_on"]
        approvals.record_funding(request_id=request.pk, user=world.bank_x_user, funded_on=date(2026, 3, 2))
    assert request.tranches.get().funded_on == date(2026, 3, 2)


def test_the_api_answers_a_400_naming_the_field(world):
    request = approved_request(world)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=world.bank_x_user)[1]}")
    url = f"/api/v1/financing-requests/{request.pk}/record-funding/"
    response = client.post(url, {"amount": "999999999999999.99", "funded_on": "1900-01-01"}, format="json")
    assert response.status_code == 400, response.json()
    assert set(response.json()["error"]["fields"]) == {"amount", "funded_on"}
    response = client.post(url, {"amount": "３０００"}, format="json")
    assert response.status_code == 400 and "amount" in response.json()["error"]["fields"]
    assert client.post(url, {"amount": "3000000.00"}, format="json").status_code == 200
