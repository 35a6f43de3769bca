"""The evaluations in words (projects/domain/explanations.py, projects/credits/explain.py): each sentence
states the figure and the points the rule gave it."""

from decimal import Decimal

import pytest
from django.utils import translation

from projects.credits.explain import explain_breakdown, explain_line, explain_percentile
from projects.domain.explanations import explain_size, explain_tech_sme
from projects.domain.tech_sme import TechSmeInput, evaluate_tech_sme


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def data(**overrides) -> TechSmeInput:
    values = {
        "employees": 100,
        "revenue": Decimal("10000000"),
        "total_assets": Decimal("20000000"),
        "total_costs": Decimal("9000000"),
        "rnd_expense": Decimal("620000"),
        "st_staff": 12,
        "class_i_ip": 0,
        "class_ii_ip": 2,
    }
    values.update(overrides)
    return TechSmeInput(**values)


def texts(given: TechSmeInput) -> dict[str, str]:
    return {reason.code: reason.text for reason in explain_tech_sme(given)}


def test_rnd_on_revenue_reads_as_the_issue_asks():
    """Given R&D of 6.2% of revenue; then "R&D 6.2% of revenue → 50 of 50 points"."""
    assert texts(data())["rnd"].startswith("R&D 6.2% of revenue → 50 of 50 points")


def test_the_costs_route_is_named_when_it_scores_better():
    """Given R&D 1% of revenue but 25% of total costs; then the costs route's 40 points, and the revenue
    route's figure beside it."""
    line = texts(
        data(revenue=Decimal("60000000"), total_costs=Decimal("2400000"), rnd_expense=Decimal("600000"))
    )
    assert line["rnd"].startswith("R&D 25.0% of total costs → 40 of 50 points")
    assert "On revenue it would be 1.0% → 0 points." in line["rnd"]


def test_points_in_the_sentences_add_up_to_the_evaluation():
    """Given any input; then the sentences' points are the evaluation's, and the verdict agrees."""
    given = data(st_staff=15, class_ii_ip=2)
    evaluation = evaluate_tech_sme(given)
    reasons = {reason.code: reason for reason in explain_tech_sme(given, evaluation)}
    assert reasons["staff"].points == evaluation.staff_score == 8
    assert reasons["ip"].points == evaluation.ip_score == 12
    assert "12 of 30 points (6 each, at most 4 items)" in reasons["ip"].text
    assert reasons["total"].points == evaluation.total == 70
    assert reasons["verdict"].text == "Qualifies as a technology-based SME by its score."


def test_a_failed_basic_condition_is_said_and_decides():
    """Given 600 employees; then the failure is a line of its own and the verdict says why."""
    reasons = texts(data(employees=600, st_staff=300))
    assert "more than 500 employees (600)" in reasons["basic_condition"]
    assert reasons["verdict"] == "Not a technology-based SME: a basic condition is not met."


def test_size_class_names_the_thresholds_of_the_industry():
    """Given a software company of 80 staff and 30 M yuan revenue; then small, with the industry's limits."""
    text = explain_size(
        industry="software_it", industry_label="Software", employees=80, revenue=Decimal("30000000")
    )
    assert text.startswith("Software, 80 staff and revenue 3,000.00 万元 → ")
    assert "medium from 100 and 1,000.00 万元" in text


def test_an_unclassified_industry_says_so():
    text = explain_size(industry="other", industry_label="Other", employees=5, revenue=Decimal("1"))
    assert "too widely" in text


def test_a_breakdown_line_reads_without_exponents_or_lost_zeros():
    """Given a stored line of 100 points at weight 10 contributing 10.00; then plain numbers."""
    line = explain_line(
        {
            "code": "rnd_intensity",
            "name": "R&D share",
            "group": "tech_innovation",
            "metric": "rnd_intensity",
            "value": "0.0620",
            "points": "100.00",
            "weight": "10.00",
            "contribution": "10.00",
            "no_data": False,
        }
    )
    assert line.text == "R&D expense as a share of revenue: 6.2% → 100 points × weight 10% = 10.00."
    zero = explain_line(
        {
            **line.__dict__,
            "metric": "vc_received",
            "value": "0",
            "points": "0.00",
            "weight": "7",
            "contribution": "0.00",
            "no_data": False,
        }
    )
    assert zero.text.endswith("0.00 万元 → 0 points × weight 7% = 0.00.")


def test_no_data_and_ordering():
    """Given a line without data and two groups; then "no data → 0 points" and the groups in model order,
    the largest contribution first."""
    lines = explain_breakdown(
        [
            {
                "code": "a",
                "group": "auxiliary",
                "metric": "hard_tech_field",
                "value": True,
                "points": "100",
                "weight": "2",
                "contribution": "2.00",
                "no_data": False,
            },
            {
                "code": "b",
                "group": "tech_innovation",
                "metric": "rnd_growth",
                "value": None,
                "points": "0",
                "weight": "5",
                "contribution": "0.00",
                "no_data": True,
            },
            {
                "code": "c",
                "group": "tech_innovation",
                "metric": "st_staff",
                "value": "30",
                "points": "60",
                "weight": "5",
                "contribution": "3.00",
                "no_data": False,
            },
        ]
    )
    assert [line.code for line in lines] == ["c", "b", "a"]
    assert lines[1].text == "R&D expense growth on the year before: no data → 0 points."


def test_the_percentile_in_words():
    assert "ahead of about 72.5% of the 40 enterprises" in explain_percentile(
        percentile="72.50", cohort="310000:growth", cohort_size=40
    )
    assert explain_percentile(percentile=None, cohort="310000:growth", cohort_size=None).startswith(
        "No percentile yet"
    )
