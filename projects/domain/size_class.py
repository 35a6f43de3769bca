"""SME size classes (中小企业划型标准规定, 工信部联企业〔2011〕300号).

Only the industries the platform serves are encoded. Any other industry is reported as
not classified rather than guessed, because the thresholds differ widely between sectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class SizeClass(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"
    NOT_CLASSIFIED = "not_classified"


# In words, in the reader's language (大型, 中型, 小型, 微型 and 未分类 in Chinese).
SIZE_LABELS: dict[SizeClass, Promise] = {
    SizeClass.LARGE: _("Large"),
    SizeClass.MEDIUM: _("Medium"),
    SizeClass.SMALL: _("Small"),
    SizeClass.MICRO: _("Micro"),
    SizeClass.NOT_CLASSIFIED: _("Not classified"),
}


@dataclass(frozen=True)
class Threshold:
    """Both minimums (inclusive) must be reached to belong to the class."""

    min_employees: int
    min_revenue: Decimal

    def reached_by(self, employees: int, revenue: Decimal) -> bool:
        return employees >= self.min_employees and revenue >= self.min_revenue


@dataclass(frozen=True)
class IndustryThresholds:
    large: Threshold
    medium: Threshold
    small: Threshold


INDUSTRY_THRESHOLDS: dict[str, IndustryThresholds] = {
    # 工业
    "industry": IndustryThresholds(
        large=Threshold(1000, Decimal("400000000")),
        medium=Threshold(300, Decimal("20000000")),
        small=Threshold(20, Decimal("3000000")),
    ),
    # 软件和信息技术服务业
    "software_it": IndustryThresholds(
        large=Threshold(300, Decimal("100000000")),
        medium=Threshold(100, Decimal("10000000")),
        small=Threshold(10, Decimal("500000")),
    ),
}


def classify_size(*, industry: str, employees: int, revenue: Decimal) -> SizeClass:
    thresholds = INDUSTRY_THRESHOLDS.get(industry)
    if thresholds is None:
        return SizeClass.NOT_CLASSIFIED
    # The document defines SMEs as "below either limit", so large needs both limits reached;
    # the smaller classes are then checked from the top down.
    for size, threshold in (
        (SizeClass.LARGE, thresholds.large),
        (SizeClass.MEDIUM, thresholds.medium),
        (SizeClass.SMALL, thresholds.small),
    ):
        if threshold.reached_by(employees, revenue):
            return size
    return SizeClass.MICRO
