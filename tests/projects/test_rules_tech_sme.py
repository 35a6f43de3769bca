import json
from dataclasses import fields, replace
from decimal import Decimal

import pytest

from projects.domain.tech_sme import (
    RND_COSTS_BANDS,
    RND_REVENUE_BANDS,
    STAFF_SHARE_BANDS,
    TechSmeEvaluation,
    TechSmeInput,
    evaluate_tech_sme,
)

# Baseline scores 20 (staff 30%) + 50 (R&D 6% of revenue) + 30 (class-I IP) = 100 and meets every
# basic condition; each test varies only the fields it is about.
BASELINE = TechSmeInput(
    employees=100,
    revenue=Decimal("10000000"),
    total_assets=Decimal("50000000"),
    total_costs=Decimal("100000000"),
    rnd_expense=Decimal("600000"),
    st_staff=30,
    class_i_ip=1,
    class_ii_ip=0,
)


def make(**changes) -> TechSmeInput:
    return replace(BASELINE, **changes)


def test_given_the_baseline_when_evaluated_then_it_scores_full_marks_and_qualifies():
    result = evaluate_tech_sme(BASELINE)

    assert (result.staff_score, result.rnd_score, result.ip_score, result.total) == (20, 50, 30, 100)
    assert result.rnd_basis == "revenue"
    assert result.meets_basic_conditions
    assert result.basic_condition_failures == ()
    assert result.direct_qualification == ()
    assert result.passed_by_score
    assert result.qualified


# Staff share on 500 employees so each edge is one person either side.
@pytest.mark.parametrize(
    "st_staff, expected",
    [
        (500, 20),
        (151, 20),
        (150, 20),
        (149, 16),
        (126, 16),
        (125, 16),
        (124, 12),
        (101, 12),
        (100, 12),
        (99, 8),
        (76, 8),
        (75, 8),
        (74, 4),
        (51, 4),
        (50, 4),
        (49, 0),
        (0, 0),
    ],
)
def test_given_staff_share_when_evaluated_then_staff_band_edges_belong_to_the_higher_band(st_staff, expected):
    result = evaluate_tech_sme(make(employees=500, st_staff=st_staff))

    assert result.staff_score == expected


def test_given_an_exact_six_percent_that_float_division_rounds_down_when_evaluated_then_it_scores_50():
    # As floats, 86563.506 / 1442725.1 comes out just under 0.06 and would drop to the 40 band.
    assert float(Decimal("86563.506")) / float(Decimal("1442725.1")) < 0.06
    data = make(revenue=Decimal("1442725.1"), rnd_expense=Decimal("86563.506"))

    assert evaluate_tech_sme(data).rnd_score == 50


def test_given_no_employees_when_evaluated_then_staff_share_is_zero():
    result = evaluate_tech_sme(make(employees=0, st_staff=0))

    assert result.staff_score == 0
    assert not result.passed_by_score


# R&D on a revenue of 1 000 000 yuan with total costs so large that route scores 0.
@pytest.mark.parametrize(
    "rnd_expense, expected",
    [
        ("60000.01", 50),
        ("60000", 50),
        ("59999.99", 40),
        ("50000.01", 40),
        ("50000", 40),
        ("49999.99", 30),
        ("40000.01", 30),
        ("40000", 30),
        ("39999.99", 20),
        ("30000.01", 20),
        ("30000", 20),
        ("29999.99", 10),
        ("20000.01", 10),
        ("20000", 10),
        ("19999.99", 0),
        ("0", 0),
    ],
)
def test_given_rnd_share_of_revenue_when_evaluated_then_band_edges_belong_to_the_higher_band(
    rnd_expense, expected
):
    data = make(
        revenue=Decimal("1000000"), total_costs=Decimal("1000000000"), rnd_expense=Decimal(rnd_expense)
    )

    result = evaluate_tech_sme(data)

    assert result.rnd_score == expected
    assert result.rnd_basis == "revenue"


# R&D on total costs of 1 000 000 yuan with revenue so large that route scores 0.
@pytest.mark.parametrize(
    "rnd_expense, expected",
    [
        ("300000.01", 50),
        ("300000", 50),
        ("299999.99", 40),
        ("250000.01", 40),
        ("250000", 40),
        ("249999.99", 30),
        ("200000.01", 30),
        ("200000", 30),
        ("199999.99", 20),
        ("150000.01", 20),
        ("150000", 20),
        ("149999.99", 10),
        ("100000.01", 10),
        ("100000", 10),
        ("99999.99", 0),
    ],
)
def test_given_rnd_share_of_costs_when_evaluated_then_band_edges_belong_to_the_higher_band(
    rnd_expense, expected
):
    data = make(
        revenue=Decimal("200000000"), total_costs=Decimal("1000000"), rnd_expense=Decimal(rnd_expense)
    )

    result = evaluate_tech_sme(data)

    assert result.rnd_score == expected
    assert result.rnd_basis == ("costs" if expected else "revenue")


@pytest.mark.parametrize(
    "revenue, total_costs, expected_score, expected_basis",
    [
        # 2% of revenue (10) vs 20% of costs (30): costs wins.
        ("1000000", "100000", 30, "costs"),
        # 6% of revenue (50) vs 10% of costs (10): revenue wins.
        ("333333.33", "200000", 50, "revenue"),
        # 4% of revenue (30) vs 20% of costs (30): a tie reports revenue.
        ("500000", "100000", 30, "revenue"),
    ],
)
def test_given_both_rnd_routes_when_evaluated_then_the_better_one_counts(
    revenue, total_costs, expected_score, expected_basis
):
    data = make(revenue=Decimal(revenue), total_costs=Decimal(total_costs), rnd_expense=Decimal("20000"))

    result = evaluate_tech_sme(data)

    assert (result.rnd_score, result.rnd_basis) == (expected_score, expected_basis)


@pytest.mark.parametrize(
    "revenue, total_costs, expected_score, expected_basis",
    [
        ("0", "80000", 40, "costs"),
        ("400000", "0", 40, "revenue"),
        ("0", "0", 0, "revenue"),
    ],
)
def test_given_a_zero_denominator_when_evaluated_then_that_route_scores_zero(
    revenue, total_costs, expected_score, expected_basis
):
    data = make(revenue=Decimal(revenue), total_costs=Decimal(total_costs), rnd_expense=Decimal("20000"))

    result = evaluate_tech_sme(data)

    assert (result.rnd_score, result.rnd_basis) == (expected_score, expected_basis)


@pytest.mark.parametrize(
    "class_i_ip, class_ii_ip, expected",
    [
        (1, 0, 30),
        (3, 7, 30),
        (0, 10, 24),
        (0, 5, 24),
        (0, 4, 24),
        (0, 3, 18),
        (0, 2, 12),
        (0, 1, 6),
        (0, 0, 0),
    ],
)
def test_given_ip_holdings_when_evaluated_then_class_i_dominates_and_class_ii_counts_to_four(
    class_i_ip, class_ii_ip, expected
):
    result = evaluate_tech_sme(make(class_i_ip=class_i_ip, class_ii_ip=class_ii_ip))

    assert result.ip_score == expected


@pytest.mark.parametrize(
    "st_staff, rnd_expense, class_ii_ip, expected_total, expected_pass",
    [
        # 4 + 50 + 6 = 60: exactly at the threshold passes.
        (10, "600000", 1, 60, True),
        # 8 + 40 + 12 = 60.
        (15, "500000", 2, 60, True),
        # 4 + 40 + 12 = 56 and 8 + 50 + 0 = 58 fail.
        (10, "500000", 2, 56, False),
        (15, "600000", 0, 58, False),
        # 20 + 30 + 6 = 56; 16 + 20 + 24 = 60.
        (30, "400000", 1, 56, False),
        (25, "300000", 4, 60, True),
    ],
)
def test_given_a_total_around_sixty_when_evaluated_then_sixty_passes_and_below_fails(
    st_staff, rnd_expense, class_ii_ip, expected_total, expected_pass
):
    data = make(st_staff=st_staff, rnd_expense=Decimal(rnd_expense), class_i_ip=0, class_ii_ip=class_ii_ip)

    result = evaluate_tech_sme(data)

    assert result.total == expected_total
    assert result.passed_by_score is expected_pass
    assert result.qualified is expected_pass


def test_given_the_score_tables_when_combined_then_59_is_unreachable_so_58_and_60_are_the_edge():
    # Every indicator scores in even steps, so 58 (fails) and 60 (passes) above are the tightest
    # totals either side of the threshold; this guards that assumption if a table changes.
    totals = {
        staff + rnd + ip
        for staff in [0, *(score for _, score in STAFF_SHARE_BANDS)]
        for rnd in [0, *(score for _, score in RND_REVENUE_BANDS + RND_COSTS_BANDS)]
        for ip in range(0, 31, 6)
    }

    assert 59 not in totals
    assert {58, 60} <= totals


def test_given_zero_staff_score_when_evaluated_then_80_points_still_fail():
    result = evaluate_tech_sme(make(st_staff=9))

    assert (result.staff_score, result.total) == (0, 80)
    assert not result.passed_by_score
    assert not result.qualified


@pytest.mark.parametrize(
    "changes, expected_failures",
    [
        ({"employees": 500, "st_staff": 150}, ()),
        ({"employees": 501, "st_staff": 151}, ("more than 500 employees (501)",)),
        ({"employees": 612, "st_staff": 200}, ("more than 500 employees (612)",)),
        ({"revenue": Decimal("200000000"), "rnd_expense": Decimal("12000001")}, ()),
        (
            {"revenue": Decimal("200000000.01"), "rnd_expense": Decimal("12000001")},
            ("annual revenue above 200,000,000 yuan (200,000,000.01)",),
        ),
        ({"total_assets": Decimal("200000000")}, ()),
        (
            {"total_assets": Decimal("200000000.01")},
            ("total assets above 200,000,000 yuan (200,000,000.01)",),
        ),
        ({"registered_in_mainland": False}, ("not registered in mainland China",)),
        ({"serious_dishonesty": True}, ("serious dishonesty on record",)),
        (
            {"employees": 501, "st_staff": 151, "serious_dishonesty": True},
            ("more than 500 employees (501)", "serious dishonesty on record"),
        ),
    ],
)
def test_given_basic_conditions_when_evaluated_then_limits_are_inclusive_and_failures_are_explained(
    changes, expected_failures
):
    result = evaluate_tech_sme(make(**changes))

    assert result.basic_condition_failures == expected_failures
    assert result.meets_basic_conditions is (not expected_failures)
    assert result.total == 100
    assert result.passed_by_score is (not expected_failures)
    assert result.qualified is (not expected_failures)


@pytest.mark.parametrize(
    "flag, code",
    [
        ("high_tech_certificate_valid", "high_tech_certificate"),
        ("national_award_recent", "national_award"),
        ("provincial_rnd_institution", "provincial_rnd_institution"),
        ("led_standard_recent", "led_standard"),
    ],
)
def test_given_a_direct_ground_and_a_low_score_when_evaluated_then_it_qualifies(flag, code):
    data = make(st_staff=0, rnd_expense=Decimal("0"), class_i_ip=0, **{flag: True})

    result = evaluate_tech_sme(data)

    assert result.total == 0
    assert not result.passed_by_score
    assert result.direct_qualification == (code,)
    assert result.qualified


def test_given_every_direct_ground_when_evaluated_then_all_are_listed_in_order():
    data = make(
        high_tech_certificate_valid=True,
        national_award_recent=True,
        provincial_rnd_institution=True,
        led_standard_recent=True,
    )

    assert evaluate_tech_sme(data).direct_qualification == (
        "high_tech_certificate",
        "national_award",
        "provincial_rnd_institution",
        "led_standard",
    )


def test_given_a_direct_ground_but_failed_basic_conditions_when_evaluated_then_it_does_not_qualify():
    data = make(employees=501, st_staff=151, high_tech_certificate_valid=True)

    result = evaluate_tech_sme(data)

    assert result.direct_qualification == ("high_tech_certificate",)
    assert not result.meets_basic_conditions
    assert not result.qualified


def test_given_an_evaluation_when_serialised_then_it_is_plain_json():
    data = make(employees=501, st_staff=151, high_tech_certificate_valid=True)

    payload = evaluate_tech_sme(data).as_dict()

    assert json.loads(json.dumps(payload)) == payload
    assert payload == {
        "staff_score": 20,
        "rnd_score": 50,
        "rnd_basis": "revenue",
        "ip_score": 30,
        "total": 100,
        "meets_basic_conditions": False,
        "basic_condition_failures": ["more than 500 employees (501)"],
        "direct_qualification": ["high_tech_certificate"],
        "qualified": False,
        "passed_by_score": False,
    }
    assert set(payload) == {field.name for field in fields(TechSmeEvaluation)}


def test_given_positional_arguments_when_building_input_then_it_is_refused():
    with pytest.raises(TypeError):
        TechSmeInput(100, Decimal("1"), Decimal("1"), Decimal("1"), Decimal("1"), 30, 1, 0)  # type: ignore[misc]
