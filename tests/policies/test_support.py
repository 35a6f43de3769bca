"""Eligibility and support as pure functions (issue 14, DESIGN §10): for a deal, each programme it
qualifies for with the expected support over the offer's life, why, and the net yearly rate."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from coordination.policies.deal import Deal, Programme
from coordination.policies.eligibility import refusal
from coordination.policies.parameters import validated
from coordination.policies.support import net_annual_rate, support_for, supports

DAY = date(2026, 6, 1)
AI, CHIPS = 1, 2


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def programme(kind="interest_subsidy", region="310115", **kwargs) -> Programme:
    parameters = kwargs.pop("parameters", {})
    values = {
        "id": 1,
        "code": kind,
        "version": 1,
        "name": kind,
        "kind": kind,
        "level": "district" if region else "national",
        "region_code": region,
        "region_name": {"310115": "浦东新区", "310000": "上海市"}.get(region, ""),
        "valid_from": date(2026, 1, 1),
        "valid_until": None,
        "budget": Decimal("100000000"),
        "parameters": validated(kind, parameters)[0],
    }
    return Programme(**{**values, **kwargs})


def deal(**kwargs) -> Deal:
    values = {
        "day": DAY,
        "instrument": "credit_loan",
        "amount": Decimal("3000000"),
        "term_months": 24,
        "annual_rate": Decimal("0.0345"),
        "region_code": "310115",
        "stage": "growth",
        "field_ids": frozenset({AI}),
        "tech_sme": True,
        "first_loan": True,
    }
    return Deal(**{**values, **kwargs})


def test_the_journeys_first_loan_gets_70_percent_of_its_interest_and_a_lower_net_rate():
    """Given a 3 000 000-yuan 24-month first loan of a Pudong tech SME at 3.45% and Pudong's interest
    subsidy for tech SMEs, then 70% of two years' interest is the support, explained, and the net rate is
    3.45% less 70% of it."""
    subsidy = programme(requires_tech_sme=True)
    found = support_for(subsidy, deal())
    assert found.amount == Decimal("144900.00")  # 3 000 000 × 3.45% × 70% × 2 years
    assert found.explanation == (
        "70.00% of interest: first loan of a tech SME in 浦东新区, ≤ 100.00 万元 a year, for at most 2 years"
    )
    assert found.as_contract() == {
        "programme": 1,
        "kind": "interest_subsidy",
        "amount": "144900.00",
        "explanation": found.explanation,
    }
    assert net_annual_rate(deal(), [found]) == Decimal("0.010350")


def test_a_repeat_loan_gets_the_base_share_and_points_mode_pays_points_of_principal():
    """Given a repeat loan, then 50% of the interest; in points mode, 1 point (2 on a first loan) of the
    principal a year, never more than the interest itself."""
    assert support_for(programme(), deal(first_loan=False)).amount == Decimal("103500.00")
    points = programme(parameters={"mode": "points"})
    assert support_for(points, deal(first_loan=False)).amount == Decimal("60000.00")
    assert support_for(points, deal()).amount == Decimal("120000.00")
    assert support_for(points, deal(annual_rate=Decimal("0.015"))).amount == Decimal("90000.00")


def test_interest_subsidy_caps_a_year_in_total_and_in_years():
    """Given 100 M yuan over 36 months at 5%, then 50% of 5 M a year is capped at 1 M a year, for at most
    2 years; with a 1.5 M total cap, 1.5 M."""
    big = deal(amount=Decimal("100000000"), term_months=36, annual_rate=Decimal("0.05"), first_loan=False)
    assert support_for(programme(), big).amount == Decimal("2000000.00")
    capped = programme(parameters={"cap_total": "1500000"})
    assert support_for(capped, big).amount == Decimal("1500000.00")
    # The net rate averages the support over the whole life: 5% − 1.5 M / (100 M × 3 years).
    assert net_annual_rate(big, [support_for(capped, big)]) == Decimal("0.045000")


def test_guarantee_fee_subsidy_takes_half_the_fee_up_to_its_yearly_cap():
    """Given guarantees at a 2% fee a year, then half the fee, at most 300 000 yuan a year."""
    subsidy = programme("guarantee_fee_subsidy", region="440300")
    small = deal(
        instrument="guarantee",
        amount=Decimal("10000000"),
        term_months=12,
        annual_rate=Decimal("0.02"),
        region_code="440305",
    )
    assert support_for(subsidy, small).amount == Decimal("100000.00")
    assert net_annual_rate(small, supports([subsidy], small)) == Decimal("0.010000")
    large = replace(small, amount=Decimal("50000000"), term_months=24)
    assert support_for(subsidy, large).amount == Decimal("600000.00")


def test_first_set_insurance_gets_80_percent_of_a_premium_rate_capped_at_3_percent_for_3_years():
    """Given first-set cover of 10 M yuan for 5 years at a 4% premium rate, then 80% of a 3% premium for 3
    years is the support, and the net rate is 4% less that over the 5 years."""
    subsidy = programme(
        "insurance_premium_subsidy",
        region=None,
        instruments=("first_set_insurance",),
        parameters={"share": "0.8", "max_premium_rate": "0.03", "max_years": 3},
    )
    cover = deal(
        instrument="first_set_insurance",
        amount=Decimal("10000000"),
        term_months=60,
        annual_rate=Decimal("0.04"),
    )
    found = support_for(subsidy, cover)
    assert found.amount == Decimal("720000.00")
    assert "premium rate of at most 3.00%" in found.explanation
    assert net_annual_rate(cover, [found]) == Decimal("0.025600")
    assert refusal(subsidy, replace(cover, instrument="rd_insurance")) is not None


def test_risk_compensation_and_relending_support_the_lender_not_the_rate():
    """Given a risk pool and the re-lending facility, then the pool covers 55% (+5 points on a first loan)
    of the principal up to 3 M, re-lending refinances 60% with an eligible bank for a listed enterprise,
    and neither lowers the applicant's rate."""
    pool = programme("risk_compensation", region="310000")
    assert support_for(pool, deal()).amount == Decimal("1800000.00")
    assert support_for(pool, deal(first_loan=False)).amount == Decimal("1650000.00")
    assert support_for(pool, deal(amount=Decimal("10000000"))).amount == Decimal("3000000.00")
    # The central bank's terms as `selectors.programme_terms` adds them (lenders.RelendingPolicy, 2026).
    relending = programme("relending", region=None, parameters={})
    relending = replace(relending, parameters={**relending.parameters, "share": "0.6", "rate": "0.0125"})
    listed = deal(relending_bank=True, on_relending_list=True)
    found = supports([pool, relending], listed)
    assert [s.amount for s in found] == [Decimal("1800000.00"), Decimal("1800000.00")]
    assert "1.25%" in found[1].explanation
    assert net_annual_rate(listed, found) == Decimal("0.034500")
    assert refusal(relending, deal(relending_bank=False, on_relending_list=True)) == (
        "The institution is not eligible for sci-tech re-lending."
    )
    assert refusal(relending, deal(relending_bank=True)) == "The enterprise is not on the re-lending list."


@pytest.mark.parametrize(
    ("terms", "facts", "reason"),
    [
        ({"valid_until": date(2026, 5, 31)}, {}, "outside the programme's window"),
        ({}, {"region_code": "110108"}, "not in 浦东新区"),
        ({}, {"instrument": "equity"}, "does not cover this instrument (equity investment)"),
        ({"max_amount": Decimal("2000000")}, {}, "above the programme's cap"),
        ({"stages": ("startup",)}, {}, "not open to growth-stage"),
        ({"field_ids": frozenset({CHIPS})}, {}, "none of the programme's fields"),
        ({"requires_tech_sme": True}, {"tech_sme": False}, "requires tech-SME registration"),
        ({"first_loan_only": True}, {"first_loan": False}, "first loan only"),
        (
            {"min_credit_score": Decimal("60"), "min_credit_version": "2.0"},
            {"credits": {"2.0": Decimal("59.9")}},
            "at least 60 under model 2.0",
        ),
        (
            {"min_credit_score": Decimal("60"), "min_credit_version": "2.0"},
            {"credits": {"2024": Decimal("90")}},
            "at least 60 under model 2.0",
        ),
    ],
)
def test_each_condition_refuses_with_its_reason(terms, facts, reason):
    """Given a programme and a deal that misses one condition, then the refusal names that condition."""
    assert reason in refusal(programme(**terms), deal(**facts))


def test_a_deal_meeting_every_condition_qualifies():
    """Given a programme with every condition and a deal that meets each, then it qualifies."""
    strict = programme(
        region="310000",
        max_amount=Decimal("5000000"),
        stages=("growth",),
        field_ids=frozenset({AI}),
        requires_tech_sme=True,
        first_loan_only=True,
        min_credit_score=Decimal("60"),
        min_credit_version="2.0",
    )
    assert refusal(strict, deal(credits={"2.0": Decimal("60")})) is None
    assert net_annual_rate(deal(instrument="equity", annual_rate=None), []) is None


@pytest.mark.parametrize(
    ("loss", "first_loan", "other_public", "expected"),
    [
        ("1000000", False, "0", "550000.00"),  # the pool's share
        ("1000000", True, "0", "600000.00"),  # + 5 points on a first loan
        ("5000000", True, "0", "3000000.00"),  # exactly the cap per loan
        ("5000000.02", True, "0", "3000000.00"),  # one step above: still the cap
        ("1000000", False, "250000", "550000.00"),  # all public compensation exactly at 80% of the loss
        ("1000000", False, "250000.01", "549999.99"),  # one step over: the pool gives way
        ("1000000", False, "800000", "0.00"),  # others already pay 80%: nothing left
    ],
)
def test_a_claim_never_exceeds_its_caps(loss, first_loan, other_public, expected):
    """Given Shanghai's risk pool (55%, +5 on a first loan, 3 M a loan, 80% of the loss from all public
    money), then a claim on a loss is at most each cap, at each cap's edge."""
    from coordination.policies.support import claim_cap

    pool = programme("risk_compensation", region="310000")
    found = claim_cap(pool, loss=Decimal(loss), first_loan=first_loan, other_public=Decimal(other_public))
    assert found == Decimal(expected)
