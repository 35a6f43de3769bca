"""Each hard filter, alone: the SQL filter leaves the product out and the Python check says why.

Every case starts from a product that fits a 3 000 000-yuan, 24-month credit loan of a growth-stage,
registered tech-SME in Pudong (Shanghai) working in AI, and breaks exactly one filter.
"""

from decimal import Decimal

import pytest

from coordination.matching.eligibility import ineligibility_reasons
from coordination.models import Referral

from .conftest import ranked

pytestmark = pytest.mark.django_db


def _check(market, request, product, expected_reason, *, position=1):
    tranche = request.tranches.get(position=position)
    listed = [c.product.pk for c in ranked(request, position)]
    reasons = ineligibility_reasons(product, tranche, request, today=market.today)
    if expected_reason is None:
        assert product.pk in listed
        assert reasons == []
    else:
        assert product.pk not in listed
        assert any(expected_reason in reason for reason in reasons), reasons


def test_baseline_product_is_eligible(market):
    product = market.product()
    _check(market, market.request(), product, None)


def test_instrument(market):
    _check(market, market.request(), market.product(instrument="ip_pledge_loan"), "instrument")


@pytest.mark.parametrize(
    ("min_amount", "max_amount", "expected"),
    [
        ("3000000.01", "10000000", "amount"),  # just above the tranche
        ("1000000", "2999999.99", "amount"),  # just below
        ("3000000", "10000000", None),  # edges belong to the range
        ("1000000", "3000000", None),
    ],
)
def test_amount_range(market, min_amount, max_amount, expected):
    product = market.product(min_amount=Decimal(min_amount), max_amount=Decimal(max_amount))
    _check(market, market.request(), product, expected)


@pytest.mark.parametrize(
    ("min_term", "max_term", "expected"),
    [(25, 60, "term"), (6, 23, "term"), (24, 60, None), (6, 24, None)],
)
def test_term_range(market, min_term, max_term, expected):
    product = market.product(min_term_months=min_term, max_term_months=max_term)
    _check(market, market.request(), product, expected)


def test_stage(market):
    product = market.product(for_growth=False)
    _check(market, market.request(), product, "does not serve growth")
    market.enterprise.stage = "startup"
    market.enterprise.save()
    _check(market, market.request(), market.product(for_growth=False), None)


def test_region_of_the_product(market):
    _check(market, market.request(), market.product(regions=[market.beijing]), "region")
    # A province covers its districts.
    _check(market, market.request(), market.product(regions=[market.shanghai]), None)
    # Another district of the same province does not.
    _check(market, market.request(), market.product(regions=[market.xuhui]), "region")


def test_region_of_the_institution(market):
    beijing_bank = market.institution(regions=[market.beijing])
    _check(market, market.request(), market.product(beijing_bank), "region")
    shanghai_bank = market.institution(regions=[market.shanghai])
    _check(market, market.request(), market.product(shanghai_bank), None)


def test_product_regions_override_the_institutions(market):
    shanghai_bank = market.institution(regions=[market.shanghai])
    product = market.product(shanghai_bank, regions=[market.beijing])
    _check(market, market.request(), product, "region")
    beijing_bank = market.institution(regions=[market.beijing])
    _check(market, market.request(), market.product(beijing_bank, regions=[market.pudong]), None)


def test_field(market):
    _check(market, market.request(), market.product(fields=[market.chips]), "fields")
    _check(market, market.request(), market.product(fields=[market.chips, market.ai]), None)


def test_enterprise_without_fields_only_fits_open_products(market):
    market.enterprise.fields.clear()
    _check(market, market.request(), market.product(fields=[market.ai]), "fields")
    _check(market, market.request(), market.product(), None)


def test_tech_sme_registration(market):
    market.enterprise.tech_sme_registration_no = ""
    market.enterprise.save()
    _check(market, market.request(), market.product(requires_tech_sme=True), "tech-SME")
    _check(market, market.request(), market.product(requires_tech_sme=False), None)


def test_minimum_credit_without_a_score(market):
    _check(market, market.request(), market.product(min_credit_score=Decimal("40")), "innovation credit 0")


@pytest.mark.parametrize(
    ("score", "expected"), [("39.99", "innovation credit"), ("40.00", None), ("71", None)]
)
def test_minimum_credit_score(market, score, expected):
    market.score(score)
    _check(market, market.request(), market.product(min_credit_score=Decimal("40")), expected)


def test_capacity_left(market):
    tight = market.product(yearly_capacity=Decimal("10000000"), capacity_used=Decimal("7000000.01"))
    _check(market, market.request(), tight, "capacity")
    exact = market.product(yearly_capacity=Decimal("10000000"), capacity_used=Decimal("7000000"))
    _check(market, market.request(), exact, None)


def test_inactive_product(market):
    _check(market, market.request(), market.product(is_active=False), "not active")


def test_inactive_institution(market):
    _check(market, market.request(), market.product(market.institution(is_active=False)), "not active")


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [(1, None, "active window"), (-30, -1, "active window"), (0, 0, None), (-30, None, None)],
)
def test_active_window(market, starts, ends, expected):
    product = market.product(
        active_from=market.days(starts), active_until=market.days(ends) if ends is not None else None
    )
    _check(market, market.request(), product, expected)


@pytest.mark.parametrize("status", ["sent", "expired", "declined", "withdrawn"])
def test_never_twice_to_an_institution_on_a_tranche(market, status):
    request = market.request()
    product = market.product()
    tranche = request.tranches.get()
    Referral.objects.create(
        tranche=tranche, request=request, product=product, institution=product.institution, status=status
    )
    _check(market, request, product, "already had this tranche")
    # Nor through another product of the same institution.
    _check(market, request, market.product(product.institution, name="other"), "already had this tranche")


def test_no_institution_that_declined_the_request(market):
    request = market.request((("credit_loan", "3000000"), ("ip_pledge_loan", "2000000")))
    bank = market.institution()
    loan = market.product(bank)
    pledge = market.product(bank, instrument="ip_pledge_loan", name="pledge")
    Referral.objects.create(
        tranche=request.tranches.get(position=2),
        request=request,
        product=pledge,
        institution=bank,
        status="declined",
    )
    _check(market, request, loan, "declined this request", position=1)


def test_an_expiry_on_another_tranche_does_not_exclude(market):
    request = market.request((("credit_loan", "3000000"), ("ip_pledge_loan", "2000000")))
    bank = market.institution()
    loan = market.product(bank)
    pledge = market.product(bank, instrument="ip_pledge_loan", name="pledge")
    Referral.objects.create(
        tranche=request.tranches.get(position=2),
        request=request,
        product=pledge,
        institution=bank,
        status="expired",
    )
    _check(market, request, loan, None, position=1)


def test_every_open_tranche_has_an_entry_even_without_candidates(market):
    from coordination.matching.proposal import propose

    request = market.request((("credit_loan", "3000000"), ("equity", "2000000")))
    loan = market.product()
    result = {t.position: [c.product.pk for c in candidates] for t, candidates in propose(request).items()}
    assert result == {1: [loan.pk], 2: []}
