from decimal import Decimal

import pytest
from django.utils import translation

from projects.domain.size_class import SIZE_LABELS, SizeClass, classify_size

L, M, S, XS = SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO


@pytest.mark.parametrize(
    "employees, revenue, expected",
    [
        # Large needs both 1000 staff and 400 M revenue.
        (1000, "400000000", L),
        (5000, "900000000", L),
        (999, "400000000", M),
        (1000, "399999999.99", M),
        # Medium needs both 300 staff and 20 M revenue.
        (300, "20000000", M),
        (299, "20000000", S),
        (300, "19999999.99", S),
        (999, "399999999.99", M),
        # Small needs both 20 staff and 3 M revenue.
        (20, "3000000", S),
        (19, "3000000", XS),
        (20, "2999999.99", XS),
        (1000, "2999999.99", XS),
        (19, "900000000", XS),
        (0, "0", XS),
    ],
)
def test_given_an_industrial_firm_when_classified_then_thresholds_are_inclusive(employees, revenue, expected):
    assert classify_size(industry="industry", employees=employees, revenue=Decimal(revenue)) is expected


@pytest.mark.parametrize(
    "employees, revenue, expected",
    [
        # Large needs both 300 staff and 100 M revenue.
        (300, "100000000", L),
        (299, "100000000", M),
        (300, "99999999.99", M),
        # Medium needs both 100 staff and 10 M revenue.
        (100, "10000000", M),
        (99, "10000000", S),
        (100, "9999999.99", S),
        # Small needs both 10 staff and 0.5 M revenue.
        (10, "500000", S),
        (9, "500000", XS),
        (10, "499999.99", XS),
        (300, "499999.99", XS),
        (9, "900000000", XS),
    ],
)
def test_given_a_software_firm_when_classified_then_thresholds_are_inclusive(employees, revenue, expected):
    assert classify_size(industry="software_it", employees=employees, revenue=Decimal(revenue)) is expected


@pytest.mark.parametrize("industry", ["retail", "wholesale", "", "Industry", "software"])
def test_given_an_unsupported_industry_when_classified_then_it_is_not_guessed(industry):
    result = classify_size(industry=industry, employees=50, revenue=Decimal("5000000"))

    assert result is SizeClass.NOT_CLASSIFIED


def test_given_the_same_firm_when_classified_under_each_industry_then_thresholds_differ():
    # 300 staff and 100 M revenue is large for software but only medium for industry.
    firm = {"employees": 300, "revenue": Decimal("100000000")}

    assert classify_size(industry="software_it", **firm) is SizeClass.LARGE
    assert classify_size(industry="industry", **firm) is SizeClass.MEDIUM


def test_given_each_size_class_then_it_has_a_chinese_label():
    with translation.override("zh-hans"):
        labels = {size: str(label) for size, label in SIZE_LABELS.items()}
    assert labels == {
        SizeClass.LARGE: "大型",
        SizeClass.MEDIUM: "中型",
        SizeClass.SMALL: "小型",
        SizeClass.MICRO: "微型",
        SizeClass.NOT_CLASSIFIED: "未分类",
    }


def test_given_a_size_class_then_it_behaves_as_its_stored_string():
    assert SizeClass("micro") is SizeClass.MICRO
    assert SizeClass.NOT_CLASSIFIED == "not_classified"
    assert str(SizeClass.SMALL) == "small"
    assert isinstance(SizeClass.LARGE, str)
