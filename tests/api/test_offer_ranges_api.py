"""The API refuses an offer outside its product's ranges by field (issue 13)."""

from decimal import Decimal

import pytest

from coordination.models import Offer
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from lenders.models import Product
from tests import factories as f

from .helpers import assert_error_shape, in_days

pytestmark = pytest.mark.django_db


def test_an_offer_outside_the_product_ranges_is_a_400_naming_each_field(world, api):
    """Given an opened referral on a product of 100–200 万元, 12–36 months and 2.45%–4.50%, when bank X
    posts 250 万元 for 48 months at 5%, then the answer is a 400 naming amount, term_months and annual_rate
    with the product's range, and no offer exists."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    Product.objects.filter(pk=world.loan_x.pk).update(
        max_amount=Decimal("2000000"),
        min_term_months=12,
        max_term_months=36,
        rate_min=Decimal("0.0245"),
        rate_max=Decimal("0.0450"),
    )
    response = api(world.bank_x_user).post(
        f"/api/v1/referrals/{referral.pk}/offer/",
        {"amount": "2500000", "term_months": 48, "annual_rate": "0.05", "valid_until": in_days(10)},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    error = assert_error_shape(response)
    assert set(error["fields"]) == {"amount", "term_months", "annual_rate"}
    assert "12 to 36" in error["fields"]["term_months"][0]
    assert not Offer.objects.exists()
