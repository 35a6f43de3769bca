"""Each offer carries its policy support and net yearly rate (issue 14, DESIGN §10): computed when the
offer is made, shown by the API, beside each offer on the SME page and on the coordinator's approve page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.permissions import sync_coordinator_group
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from coordination.services.tokens import issue_token
from tests.factories import draft_request
from tests.factories_policy import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programmes(world):
    """Shanghai's interest subsidy and risk pool, Beijing's interest subsidy, and a first-set insurance
    subsidy that no loan qualifies for."""
    return {
        "interest": ProgrammeFactory(
            region=world.shanghai, name="Shanghai interest subsidy", requires_tech_sme=True
        ),
        "pool": ProgrammeFactory(region=world.shanghai, kind="risk_compensation", name="Shanghai risk pool"),
        "beijing": ProgrammeFactory(region=world.beijing, name="Beijing interest subsidy"),
        "first_set": ProgrammeFactory(
            kind="insurance_premium_subsidy",
            instruments=["first_set_insurance"],
            given_parameters={"share": "0.8", "max_premium_rate": "0.03", "max_years": 3},
        ),
    }


def offered(world, *, rate="0.0345", tranches=(("credit_loan", "3000000"),), product=None, user=None):
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a, tranches=tranches)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    product = product or world.loan_x
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[product.pk])
    referral = request.referrals.get()
    user = user or world.bank_x_user
    rs.open_referral(referral_id=referral.pk, user=user)
    return rs.make_offer(
        referral_id=referral.pk,
        user=user,
        amount=referral.tranche.amount,
        annual_rate=Decimal(rate) if rate is not None else None,
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=30),
    )


def test_an_offer_carries_each_programme_it_qualifies_for_and_its_net_rate(world, programmes):
    """Given Shanghai's programmes and a Pudong tech SME's first 3 000 000-yuan loan, when bank X offers it
    at 3.45% over 24 months, then the offer lists the interest subsidy (70% of two years' interest) and the
    risk pool, not Beijing's, and its net rate is 3.45% less the subsidy, 1.035%."""
    offer = offered(world)
    offer.refresh_from_db()
    by_programme = {entry["programme"]: entry for entry in offer.policy_support}
    assert set(by_programme) == {programmes["interest"].pk, programmes["pool"].pk}
    subsidy = by_programme[programmes["interest"].pk]
    assert subsidy["kind"] == "interest_subsidy" and subsidy["amount"] == "144900.00"
    assert subsidy["explanation"]
    assert by_programme[programmes["pool"].pk]["amount"] == "1800000.00"
    assert offer.net_annual_rate == Decimal("0.010350")


def test_an_offer_without_a_programme_keeps_its_own_rate_and_equity_has_none(world):
    """Given no programme in force, then a loan's net rate is its own rate and its support is empty; an
    equity offer (no rate) has no net rate."""
    offer = offered(world, rate="0.031")
    offer.refresh_from_db()
    assert offer.policy_support == [] and offer.net_annual_rate == Decimal("0.031")
    equity = offered(
        world, rate=None, tranches=(("equity", "3000000"),), product=world.equity, user=world.vc_user
    )
    equity.refresh_from_db()
    assert equity.policy_support == [] and equity.net_annual_rate is None


def test_the_api_shows_policy_support_and_net_annual_rate(world, programmes):
    """Given the offer, when the applicant reads it over the API, then it carries policy_support with the
    contract's keys and net_annual_rate below 0.0345."""
    offer = offered(world)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=world.applicant_a)[1]}")
    body = client.get(f"/api/v1/offers/{offer.pk}/").json()
    assert Decimal(body["net_annual_rate"]) < Decimal("0.0345")
    assert {tuple(sorted(entry)) for entry in body["policy_support"]} == {
        ("amount", "explanation", "kind", "programme")
    }
    assert programmes["interest"].pk in [entry["programme"] for entry in body["policy_support"]]


def test_the_sme_page_shows_the_support_and_net_rate_beside_the_offer(world, programmes):
    """Given the offer, when the applicant opens the request page, then the offer's row shows the net rate
    and each programme's support with its explanation."""
    offer = offered(world)
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.applicant_a)
    html = client.get(f"/sme/requests/{offer.request.reference}/").content.decode()
    row = html[html.index(f'id="offer-{offer.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-net-cost="0.010350"' in row and "1.04% a year" in row
    assert 'data-kind="interest_subsidy"' in row and "70.00% of interest" in row
    assert 'data-kind="risk_compensation"' in row and "14.49 万元" in row


def test_the_approve_page_shows_what_support_is_approved(world, programmes):
    """Given the accepted offer, when the coordinator opens the approve page, then it shows the support and
    the net rate of the offer it approves."""
    offer = offered(world)
    rs.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    sync_coordinator_group().user_set.add(world.coordinator)
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.coordinator)
    url = reverse("admin:coordination_financingrequest_object_action", args=[offer.request_id, "approve"])
    html = client.get(url).content.decode()
    assert 'class="policy-support"' in html and "70.00% of interest" in html
    assert '<td class="net-rate">1.035%</td>' in html
