"""The whole journey from draft to closed, through the services alone."""

from decimal import Decimal

import pytest

from coordination.errors import PermissionDenied
from coordination.models import Deadline, OutboxMessage, TransitionEvent
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests.factories import draft_request

pytestmark = pytest.mark.django_db


def test_single_tranche_request_goes_from_draft_to_closed(world):
    # Given a draft 3 000 000-yuan credit-loan request with its documents
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    assert request.reference.startswith("FR-")
    # When the applicant submits it, screening passes and it waits in triage
    request = rq.submit_request(request_id=request.pk, user=world.applicant_a)
    assert request.status == "triage", request.screening
    assert request.screening["tech_sme"]["total"] > 0
    # When the coordinator routes it to bank X and bank Y
    request = routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    assert request.status == "routed"
    ref_x, ref_y = sorted(request.referrals.all(), key=lambda r: r.institution.name)
    # And bank X offers while bank Y declines
    rs.open_referral(referral_id=ref_x.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=ref_x.pk,
        user=world.bank_x_user,
        amount=Decimal("3000000"),
        annual_rate=Decimal("0.032"),
        term_months=24,
        valid_until=_in_days(30),
    )
    rs.decline_referral(referral_id=ref_y.pk, user=world.bank_y_user, reason_code="outside_appetite")
    # And the applicant accepts the offer
    rs.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    request.refresh_from_db()
    assert request.status == "offer_accepted"
    # Then one coordinator approves, the bank records funding and the coordinator closes it
    approvals.approve_request(request_id=request.pk, user=world.coordinator)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    request = rq.close_request(request_id=request.pk, user=world.coordinator)
    assert request.status == "closed"
    assert not Deadline.objects.filter(request=request, state="pending").exists()
    actions = list(
        TransitionEvent.objects.filter(request=request, object_type="financing_request").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "create",
        "submit",
        "screen_pass",
        "route",
        "all_tranches_accepted",
        "approve",
        "record_funding",
        "close",
    ]
    assert (
        OutboxMessage.objects.filter(request=request).count()
        == TransitionEvent.objects.filter(request=request).count()
    )


def test_two_tranche_major_task_package_needs_maker_checker(world):
    # Given a national major-task package: a loan and an equity tranche
    request = draft_request(
        user=world.applicant_a,
        enterprise=world.enterprise_a,
        major_task=world.major_task,
        tranches=(("credit_loan", "40000000"), ("equity", "20000000")),
    )
    request = rq.submit_request(request_id=request.pk, user=world.applicant_a)
    assert request.status == "triage" and request.escalated
    request = routing.route_request(
        request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk, world.equity.pk]
    )
    offers = []
    for referral, user in (
        (request.referrals.get(institution=world.bank_x), world.bank_x_user),
        (request.referrals.get(institution=world.vc), world.vc_user),
    ):
        rs.open_referral(referral_id=referral.pk, user=user)
        offers.append(
            rs.make_offer(
                referral_id=referral.pk, user=user, amount=referral.tranche.amount, valid_until=_in_days(20)
            )
        )
    # When the first tranche's offer is accepted, the request still waits for the second
    rs.accept_offer(offer_id=offers[0].pk, user=world.applicant_a)
    request.refresh_from_db()
    assert request.status == "routed"
    rs.accept_offer(offer_id=offers[1].pk, user=world.applicant_a)
    request.refresh_from_db()
    assert request.status == "offer_accepted"
    # Then approval takes a maker and a different checker
    approvals.approve_request(request_id=request.pk, user=world.national)
    request.refresh_from_db()
    assert request.status == "offer_accepted" and request.approval_proposed_by == world.national
    with pytest.raises(PermissionDenied):
        approvals.approve_request(request_id=request.pk, user=world.national)
    request = approvals.approve_request(request_id=request.pk, user=world.national_2)
    assert request.status == "approved"
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    request.refresh_from_db()
    assert request.status == "approved"
    approvals.record_funding(request_id=request.pk, user=world.vc_user)
    request.refresh_from_db()
    assert request.status == "funded"


def _in_days(days):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localdate() + timedelta(days=days)
