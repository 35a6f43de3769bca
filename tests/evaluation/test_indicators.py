"""Each indicator of DESIGN §11 computed by hand on the history of tests/evaluation/data.py."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from coordination.evaluation.definitions import INDICATOR_CODES
from coordination.evaluation.indicators import evaluate, percentile
from coordination.evaluation.scope import Filters, Period, Scope, ScopeKind
from coordination.workflow.business_days import BusinessCalendar

Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))
NATIONAL = Scope(ScopeKind.NATIONAL)


def values(evaluation) -> dict:
    return {v.code: v.value for v in evaluation.values}


def previous(evaluation) -> dict:
    return {v.code: v.previous for v in evaluation.values}


def days(start: str, end: str) -> int:
    calendar = BusinessCalendar(date(2025, 1, 1), date(2026, 12, 31))
    return calendar.count_business_days(date.fromisoformat(start), date.fromisoformat(end))


def median(numbers: list[int]) -> Decimal:
    return percentile(Counter(numbers), Decimal("0.5"))


def test_the_previous_period_has_the_same_length_just_before():
    """Given the first quarter of 2026, when its previous period is taken, then it is the quarter before (as
    many whole months); given 10 days, the 10 days before."""
    assert Q1.previous() == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert Period(date(2026, 3, 5), date(2026, 3, 14)).previous() == Period(
        date(2026, 2, 23), date(2026, 3, 4)
    )
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous() == Period(
        date(2026, 2, 1), date(2026, 2, 28)
    )


def test_every_contract_code_is_answered_in_order(history):
    """Given any scope, when it is evaluated, then every code of DESIGN §11 has a value, a label and a
    definition."""
    evaluation = evaluate(NATIONAL, Q1)
    assert tuple(v.code for v in evaluation.values) == INDICATOR_CODES
    assert all(str(v.indicator.label) and str(v.indicator.definition) for v in evaluation.values)


def test_national_indicators_match_the_hand_computation(history):
    """Given the fixed history, when the national first quarter of 2026 is evaluated, then each value is what
    the history's table gives by hand."""
    got = values(evaluate(NATIONAL, Q1))
    # Submitted: R1, R3 and R5 (23:30 on 31 March in Shanghai); not R6 (00:30 on 1 April in Shanghai).
    assert got["requests_submitted"] == 3
    # Funded in the quarter: R1 3 M, R2 5 M, R3 2 M.
    assert got["funded_amount"] == Decimal("10000000")
    assert got["funded_enterprises"] == 3
    # Early: R2 (start-up) + R3 (founded 2023); not R1 (founded exactly 5 years before its funding).
    assert got["invest_early_share"] == Decimal("0.7000")
    # Small or micro: R1 (small) + R3 (micro); R2's enterprise is medium.
    assert got["invest_small_share"] == Decimal("0.5000")
    # Long: R1 (a loan of exactly 36 months) + R2 (equity); R3 is 24 months.
    assert got["invest_long_share"] == Decimal("0.8000")
    assert got["hard_tech_share"] == Decimal("0.5000")
    # Loans: R1 (E1 had R0 before: not first) and R3 (first, after a withdrawn request).
    assert got["first_loan_share"] == Decimal("0.5000")
    assert got["credit_loan_share"] == Decimal("0.6000")
    # (3 M × 3.5% + 2 M × 4%) / 5 M
    assert got["avg_rate"] == Decimal("0.0370")
    assert got["median_days_to_first_offer"] == median(
        [days("2026-01-05", "2026-01-20"), days("2025-12-29", "2026-01-09"), days("2026-01-06", "2026-01-12")]
    )
    assert got["median_days_to_funding"] == median(
        [days("2026-01-05", "2026-02-10"), days("2025-12-29", "2026-03-02"), days("2026-01-06", "2026-01-20")]
    )
    # Answered: R1 at X (in time), R1 at Y (late, declined), R2 (late), R3 (in time).
    assert got["response_within_deadline_share"] == Decimal("0.5000")
    assert got["offer_rate"] == Decimal("0.7500")
    # Registered tech SMEs E1, E4, E5; with a funded loan: E1 and E4.
    assert got["tech_sme_loan_share"] == Decimal("0.6667")


def test_the_previous_period_is_beside_each_value(history):
    """Given the history, when the first quarter is evaluated, then beside each value stands the autumn's:
    R4's 500 000 credit loan of 12 months to a medium start-up, its first loan."""
    before = previous(evaluate(NATIONAL, Q1))
    assert before["requests_submitted"] == 3  # R4, RW, R2
    assert before["funded_amount"] == Decimal("500000")
    assert before["invest_early_share"] == Decimal("1.0000")
    assert before["invest_small_share"] == Decimal("0.0000")
    assert before["invest_long_share"] == Decimal("0.0000")
    assert before["first_loan_share"] == Decimal("1.0000")
    assert before["avg_rate"] == Decimal("0.0500")
    assert before["median_days_to_funding"] == Decimal(days("2025-10-09", "2025-11-14"))
    assert before["offer_rate"] == Decimal("1.0000")
    # Registered in 2026: none was registered by the end of 2025.
    assert before["tech_sme_loan_share"] is None


def test_p90_stands_beside_the_medians(history):
    """Given three requests first funded in the quarter, when evaluated, then the 90th percentile is the
    slowest of them."""
    funding = next(v for v in evaluate(NATIONAL, Q1).values if v.code == "median_days_to_funding")
    assert funding.p90 == max(
        days("2026-01-05", "2026-02-10"), days("2025-12-29", "2026-03-02"), days("2026-01-06", "2026-01-20")
    )


@pytest.mark.parametrize(
    ("scope_of", "amount"),
    [
        (lambda h: Scope(ScopeKind.REGION, region=h.shanghai), "5000000"),
        (lambda h: Scope(ScopeKind.REGION, region=h.pudong), "5000000"),
        (lambda h: Scope(ScopeKind.REGION, region=h.beijing), "5000000"),
        (lambda h: Scope(ScopeKind.PILOT_ZONES), "5000000"),
        (lambda h: Scope(ScopeKind.INNOVATION_CENTRE, centre="beijing"), "5000000"),
        (lambda h: Scope(ScopeKind.INNOVATION_CENTRE, centre="gba"), "0"),
    ],
)
def test_a_scope_holds_its_regions_and_their_sub_regions(history, scope_of, amount):
    """Given funding in Pudong (in Shanghai, a pilot zone) and Haidian (in Beijing, an innovation centre),
    when a scope is evaluated, then it counts the funding of its regions and their sub-regions only."""
    assert values(evaluate(scope_of(history), Q1))["funded_amount"] == Decimal(amount)


def test_shanghai_alone(history):
    """Given Shanghai's part of the history (R1 and R3), when evaluated, then its shares are its own."""
    got = values(evaluate(Scope(ScopeKind.REGION, region=history.shanghai), Q1))
    assert got["requests_submitted"] == 2
    assert got["funded_enterprises"] == 2
    assert got["first_loan_share"] == Decimal("0.5000")
    assert got["tech_sme_loan_share"] == Decimal("1.0000")  # E1 and E4, both with a loan
    assert got["offer_rate"] == Decimal("0.6667")  # R1 at X, R1 at Y (declined), R3


@pytest.mark.parametrize(
    ("filters", "amount", "enterprises"),
    [
        (Filters(instrument="equity"), "5000000", 1),
        (Filters(institution_kind="bank"), "5000000", 2),
        (Filters(institution_kind="vc"), "5000000", 1),
        (Filters(field="eval-chips"), "5000000", 2),
        (Filters(field="eval-retail", instrument="credit_loan"), "0", 0),
    ],
)
def test_filters_narrow_by_field_institution_kind_and_instrument(history, filters, amount, enterprises):
    """Given the history, when filtered, then only the matching funding counts."""
    got = values(evaluate(NATIONAL, Q1, filters))
    assert got["funded_amount"] == Decimal(amount)
    assert got["funded_enterprises"] == enterprises


def test_funnel_and_declines(history):
    """Given R1, R3 and R5 submitted in the quarter (R5 never screened), when evaluated, then the funnel
    follows them to funding, and the one decline counts under its reason."""
    evaluation = evaluate(NATIONAL, Q1)
    funnel = evaluation.current.funnel
    assert [funnel[step] for step in ("submitted", "triage", "routed", "offered", "accepted", "funded")] == [
        3,
        2,
        2,
        2,
        2,
        2,
    ]
    assert dict(evaluation.current.declines) == {"insufficient_credit": 1}


def test_institutions_response_and_offer_rate(history):
    """Given Bank X answering two referrals in time with offers, Bank Y declining one late and the VC
    offering one late, when evaluated, then each institution's counts are these."""
    counts = evaluate(NATIONAL, Q1).current.institutions
    assert counts == {history.bank_x.pk: [2, 2, 2], history.bank_y.pk: [1, 0, 0], history.vc.pk: [1, 0, 1]}
