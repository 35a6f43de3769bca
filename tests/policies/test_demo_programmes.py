"""The demo's policy programmes (issue 14 acceptance, DESIGN §8): the journey's 3 000 000-yuan 24-month
credit loan offered at 3.45% shows Shanghai's interest subsidy and a net rate below 3.45%, in the API and
on the SME page; a repeat loan still qualifies."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.demo.seed import seed_demo
from coordination.demo.seed.programmes import PROGRAMMES
from coordination.matching.proposal import propose
from coordination.models import PolicyProgramme
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services.tokens import issue_token
from tests.factories import draft_request

pytestmark = pytest.mark.django_db
SHANGHAI_SUBSIDY = "shanghai-sci-tech-loan-interest-subsidy"


@pytest.fixture
def demo(db):
    seed_demo(scale=1, password="test-demo-pass")
    users = get_user_model().objects.filter(
        username__in=["demo-applicant", "demo-bank", "demo-coordinator", "demo-national", "demo-national-2"]
    )
    return {user.username: user for user in users}


def journey_offer(demo, enterprise):
    """The journey up to demo-bank's offer at 3.45% over 24 months, through the services."""
    applicant, bank = demo["demo-applicant"], demo["demo-bank"]
    request = draft_request(user=applicant, enterprise=enterprise, term_months=24)
    request = rq.submit_request(request_id=request.pk, user=applicant)
    assert request.status == "triage", request.screening
    proposed = [c.product for candidates in propose(request).values() for c in candidates]
    product = next(p for p in proposed if p.institution.members.filter(pk=bank.pk).exists())
    routing.route_request(request_id=request.pk, user=demo["demo-coordinator"], product_ids=[product.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=bank)
    return rs.make_offer(
        referral_id=referral.pk,
        user=bank,
        amount=Decimal("3000000"),
        annual_rate=Decimal("0.0345"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=30),
    )


def test_seeding_publishes_the_five_demo_programmes_once(demo):
    """Given the demo seeded (and seeded again), then the five programmes of DESIGN §8 are published once
    each, one of every kind."""
    seed_demo(scale=1, password="test-demo-pass")
    programmes = PolicyProgramme.objects.filter(published_at__isnull=False)
    assert programmes.count() == len(PROGRAMMES) == 5
    assert set(programmes.values_list("kind", flat=True)) == {
        "interest_subsidy",
        "risk_compensation",
        "guarantee_fee_subsidy",
        "insurance_premium_subsidy",
        "relending",
    }


def test_the_journeys_loan_shows_shanghais_subsidy_in_the_api_and_on_the_sme_page(demo):
    """Given the demo, when demo-bank offers the journey's loan at 3.45% to demo-applicant's enterprise, and
    again after that loan is funded (a repeat loan), and to its other enterprise, then each offer's
    policy_support names the Shanghai interest subsidy and its net_annual_rate is below 0.0345 (the repeat
    loan's above the first loan's), in the API and on the SME page."""
    subsidy = PolicyProgramme.objects.get(code=SHANGHAI_SUBSIDY)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=demo['demo-applicant'])[1]}")
    page = Client(headers={"accept-language": "en"})
    page.force_login(demo["demo-applicant"])
    first, second = demo["demo-applicant"].enterprises.order_by("pk")
    rates = []
    for enterprise in (first, first, second):
        offer = journey_offer(demo, enterprise)
        body = api.get(f"/api/v1/offers/{offer.pk}/").json()
        assert subsidy.pk in [entry["programme"] for entry in body["policy_support"]]
        assert Decimal(body["net_annual_rate"]) < Decimal("0.0345")
        rates.append(Decimal(body["net_annual_rate"]))
        html = page.get(f"/sme/requests/{offer.request.reference}/").content.decode()
        row = html[html.index(f'id="offer-{offer.pk}"') :]
        row = row[: row.index("</tr>")]
        assert 'data-kind="interest_subsidy"' in row
        assert f'data-net-cost="{body["net_annual_rate"]}"' in row
        if len(rates) == 1:  # fund the first loan: the next one is a repeat loan
            rs.accept_offer(offer_id=offer.pk, user=demo["demo-applicant"])
            approvals.approve_request(request_id=offer.request_id, user=demo["demo-coordinator"])
            approvals.record_funding(request_id=offer.request_id, user=demo["demo-bank"])
    assert rates == [Decimal("0.010350"), Decimal("0.017250"), Decimal("0.010350")]
