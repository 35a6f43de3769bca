"""An offer stays inside its product's ranges (issue 13): amount, term, annual rate and stake, each bound
inclusive; a refusal names the field and the range, and writes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination.errors import ValidationFailed
from coordination.models import Offer, Referral
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from lenders.models import Product
from tests import factories as f

pytestmark = pytest.mark.django_db

LOAN_RANGES = {
    "min_amount": Decimal("1000000"),
    "max_amount": Decimal("2000000"),
    "min_term_months": 12,
    "max_term_months": 36,
    "rate_min": Decimal("0.0245"),
    "rate_max": Decimal("0.0450"),
}
FITS = {"amount": Decimal("1500000"), "term_months": 24, "annual_rate": Decimal("0.0300")}


def _opened(world, product, instrument: str = "credit_loan", amount: str = "3000000") -> Referral:
    """Applicant A's one-tranche request routed to `product` and opened by its institution."""
    request = f.draft_request(
        user=world.applicant_a, enterprise=world.enterprise_a, tranches=[(instrument, amount)]
    )
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[product.pk])
    referral = Referral.objects.get(request=request)
    rs.open_referral(referral_id=referral.pk, user=product.institution.members.get())
    return referral


@pytest.fixture
def loan_referral(world) -> Referral:
    referral = _opened(world, world.loan_x)
    # Narrowed after routing: the route's own eligibility rules are not what these tests are about.
    Product.objects.filter(pk=world.loan_x.pk).update(**LOAN_RANGES)
    return referral


@pytest.fixture
def equity_referral(world) -> Referral:
    referral = _opened(world, world.equity, "equity", "1000000")
    Product.objects.filter(pk=world.equity.pk).update(stake_min=Decimal("0.05"), stake_max=Decimal("0.20"))
    return referral


def _offer(referral, user, **figures) -> Offer:
    return rs.make_offer(
        referral_id=referral.pk,
        user=user,
        valid_until=timezone.localdate() + timedelta(days=20),
        **{**FITS, **figures},
    )


@pytest.mark.parametrize(
    ("figure", "value", "field"),
    [
        ("amount", Decimal("1000000"), None),
        ("amount", Decimal("999999.99"), "amount"),
        ("amount", Decimal("2000000"), None),
        ("amount", Decimal("2000000.01"), "amount"),
        ("term_months", 12, None),
        ("term_months", 11, "term_months"),
        ("term_months", 36, None),
        ("term_months", 37, "term_months"),
        ("annual_rate", Decimal("0.0245"), None),
        ("annual_rate", Decimal("0.0244"), "annual_rate"),
        ("annual_rate", Decimal("0.0450"), None),
        ("annual_rate", Decimal("0.0451"), "annual_rate"),
    ],
)
def test_a_loan_offer_at_each_edge_of_the_product_ranges(world, loan_referral, figure, value, field):
    """Given a loan product of 100–200 万元, 12–36 months, 2.45%–4.50%, when bank X offers `value` for
    `figure` (the rest inside), then an edge is accepted and one step past it is refused on that field."""
    if field is None:
        offer = _offer(loan_referral, world.bank_x_user, **{figure: value})
        assert getattr(offer, figure) == value
        return
    with pytest.raises(ValidationFailed) as refused:
        _offer(loan_referral, world.bank_x_user, **{figure: value})
    assert set(refused.value.fields) == {field}
    assert "range" in " ".join(refused.value.fields[field])
    assert not Offer.objects.exists()
    loan_referral.refresh_from_db()
    assert loan_referral.status == "reviewing"


@pytest.mark.parametrize(
    ("stake", "accepted"),
    [("0.05", True), ("0.0499", False), ("0.20", True), ("0.2001", False)],
)
def test_an_equity_offer_at_each_edge_of_the_stake_range(world, equity_referral, stake, accepted):
    """Given an equity product whose stake runs from 5% to 20%, when the VC offers `stake`, then the edges
    are accepted and one step past either is refused on terms.stake."""
    figures = {"amount": Decimal("1000000"), "annual_rate": None, "term_months": None}
    terms = {"pre_money_valuation": "80000000", "stake": stake}
    if accepted:
        assert _offer(equity_referral, world.vc_user, terms=terms, **figures).terms["stake"] == stake
        return
    with pytest.raises(ValidationFailed) as refused:
        _offer(equity_referral, world.vc_user, terms=terms, **figures)
    assert list(refused.value.fields) == ["terms.stake"]
    assert "5.00%" in refused.value.fields["terms.stake"][0]
    assert "20.00%" in refused.value.fields["terms.stake"][0]
    assert not Offer.objects.exists()


def test_a_bound_the_product_leaves_blank_does_not_apply(world, loan_referral):
    """Given a product with no upper rate, when bank X offers 9%, then the offer is made."""
    Product.objects.filter(pk=world.loan_x.pk).update(rate_max=None)
    assert _offer(loan_referral, world.bank_x_user, annual_rate=Decimal("0.09")).annual_rate == Decimal(
        "0.09"
    )


def test_every_figure_outside_is_named_at_once(world, loan_referral):
    with pytest.raises(ValidationFailed) as refused:
        _offer(
            loan_referral,
            world.bank_x_user,
            amount=Decimal("900000"),
            term_months=48,
            annual_rate=Decimal("0.05"),
        )
    assert set(refused.value.fields) == {"amount", "term_months", "annual_rate"}


def test_the_page_shows_an_out_of_range_rate_and_stake_on_their_fields(world, loan_referral, equity_referral):
    """Given the two opened referrals, when the institutions post offers past the rate and the stake ranges
    through the page's forms, then each page comes back (400) with the error on the field typed in, under
    a hint that states the product's ranges."""
    bank = Client(headers={"accept-language": "en"})
    bank.force_login(world.bank_x_user)
    valid_until = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = bank.post(
        reverse("institution:offer", args=[loan_referral.pk]),
        {
            "offer-amount": "150",
            "offer-annual_rate": "4.60",
            "offer-term_months": "24",
            "offer-valid_until": valid_until,
        },
    )
    assert response.status_code == 400
    assert list(response.context["offer_form"].errors) == ["annual_rate"]
    assert "2.45% to 4.50%" in response.context["offer_form"].errors["annual_rate"][0]
    assert "Rate a year: 2.45% – 4.50%." in response.content.decode()  # the form's hint, before typing
    vc = Client(headers={"accept-language": "en"})
    vc.force_login(world.vc_user)
    response = vc.post(
        reverse("institution:offer", args=[equity_referral.pk]),
        {
            "offer-amount": "100",
            "offer-pre_money_valuation": "8000",
            "offer-stake": "25",
            "offer-valid_until": valid_until,
        },
    )
    assert response.status_code == 400
    assert list(response.context["offer_form"].errors) == ["stake"]
    assert "Stake: 5.00% – 20.00%." in response.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.parametrize(("rate", "refused"), [("0.0300", False), ("3%", True), ("abc", True)])
def test_a_rate_given_as_text_is_read_as_a_number_or_refused_by_name(world, loan_referral, rate, refused):
    """Given a caller that passes the rate as text, when the offer is made, then a number is taken as one
    (the offer's policy support reckons with it) and anything else is refused on `annual_rate`, nothing
    written."""
    user = loan_referral.institution.members.get()
    if refused:
        with pytest.raises(ValidationFailed) as error:
            _offer(loan_referral, user, **{**FITS, "annual_rate": rate})
        assert set(error.value.fields) == {"annual_rate"}
        assert not Offer.objects.filter(referral=loan_referral).exists()
    else:
        offer = _offer(loan_referral, user, **{**FITS, "annual_rate": rate})
        assert offer.annual_rate == Decimal("0.0300") and isinstance(offer.annual_rate, Decimal)
