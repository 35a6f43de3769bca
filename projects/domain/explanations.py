"""The tech-SME evaluation and the size class in words: what each figure scored and why.

Built from the same inputs and band tables as `tech_sme.evaluate_tech_sme` and `size_class.classify_size`,
so a sentence never disagrees with the score it explains ("R&D 6.2% of revenue → 50 points"). Pure apart
from gettext: the sentences come in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import gettext

from ..sentences import one_after_the_other
from .size_class import INDUSTRY_THRESHOLDS, SIZE_LABELS, SizeClass, classify_size
from .tech_sme import (
    CLASS_I_IP_SCORE,
    CLASS_II_IP_MAX_ITEMS,
    CLASS_II_IP_SCORE_PER_ITEM,
    PASS_SCORE,
    RND_COSTS_BANDS,
    RND_REVENUE_BANDS,
    STAFF_SHARE_BANDS,
    TechSmeEvaluation,
    TechSmeInput,
    _ratio,
    band_score,
    evaluate_tech_sme,
)

TEN_THOUSAND = Decimal(10000)
STAFF_MAX = STAFF_SHARE_BANDS[0][1]
RND_MAX = RND_REVENUE_BANDS[0][1]
IP_MAX = CLASS_I_IP_SCORE


@dataclass(frozen=True)
class Reason:
    """One line of an explanation: which part (`code`), the points it gave (None where it gives none),
    and the sentence."""

    code: str
    text: str
    points: int | None = None


def percent(share: Fraction) -> str:
    """A share as a percentage with one decimal: Fraction(31, 500) → "6.2%"."""
    value = (Decimal(share.numerator) / Decimal(share.denominator) * 100).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{value}%"


def wan(amount: Decimal) -> str:
    """Yuan as 万元 with separators: Decimal("30000000") → "3,000.00 万元"."""
    return f"{(Decimal(amount) / TEN_THOUSAND).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,} 万元"


DIRECT_GROUNDS = {
    "high_tech_certificate": lambda: gettext("a valid high-tech enterprise certificate"),
    "national_award": lambda: gettext("a national S&T award in the last five years"),
    "provincial_rnd_institution": lambda: gettext("a provincial-level R&D institution"),
    "led_standard": lambda: gettext("led a national or industry standard in the last five years"),
}


def explain_tech_sme(data: TechSmeInput, evaluation: TechSmeEvaluation | None = None) -> list[Reason]:
    """Each indicator of the tech-SME evaluation (科技型中小企业评价办法) with its figure and its points,
    then the conditions and the verdict."""
    evaluation = evaluation or evaluate_tech_sme(data)
    reasons = [_staff_reason(data, evaluation), _rnd_reason(data, evaluation), _ip_reason(data, evaluation)]
    reasons.append(
        Reason(
            "total",
            gettext(
                "Total %(total)s of 100 points: %(pass)s or more passes, with at least some points"
                " for S&T staff."
            )
            % {"total": evaluation.total, "pass": PASS_SCORE},
            evaluation.total,
        )
    )
    for failure in evaluation.basic_condition_failures:
        reasons.append(
            Reason("basic_condition", gettext("Basic condition not met: %(what)s.") % {"what": failure})
        )
    for ground in evaluation.direct_qualification:
        describe = DIRECT_GROUNDS.get(ground)
        what = describe() if describe else ground
        reasons.append(Reason("direct", gettext("Qualifies directly through %(what)s.") % {"what": what}))
    reasons.append(Reason("verdict", _verdict(evaluation)))
    return reasons


def _staff_reason(data: TechSmeInput, evaluation: TechSmeEvaluation) -> Reason:
    if data.employees == 0:
        text = gettext("No staff reported → 0 points for S&T staff.")
    else:
        text = gettext(
            "S&T staff %(st)s of %(staff)s (%(share)s of staff) → %(points)s of %(max)s points"
            " (full points from %(full)s)."
        ) % {
            "st": data.st_staff,
            "staff": data.employees,
            "share": percent(data.staff_share),
            "points": evaluation.staff_score,
            "max": STAFF_MAX,
            "full": percent(STAFF_SHARE_BANDS[0][0]),
        }
    return Reason("staff", text, evaluation.staff_score)


def _rnd_reason(data: TechSmeInput, evaluation: TechSmeEvaluation) -> Reason:
    """The better of the two routes scores (R&D over revenue, or over total costs with its own bands)."""
    by_revenue = _ratio(data.rnd_expense, data.revenue)
    by_costs = _ratio(data.rnd_expense, data.total_costs)
    if data.revenue <= 0 and data.total_costs <= 0:
        text = gettext("No revenue and no costs reported → 0 points for R&D.")
    elif evaluation.rnd_basis == "costs" or data.revenue <= 0:
        text = gettext(
            "R&D %(share)s of total costs → %(points)s of %(max)s points (full points from %(full)s)."
        ) % {
            "share": percent(by_costs),
            "points": band_score(by_costs, RND_COSTS_BANDS),
            "max": RND_MAX,
            "full": percent(RND_COSTS_BANDS[0][0]),
        }
        if data.revenue > 0:
            on_revenue = gettext("On revenue it would be %(share)s → %(points)s points.") % {
                "share": percent(by_revenue),
                "points": band_score(by_revenue, RND_REVENUE_BANDS),
            }
            text = one_after_the_other(text, on_revenue)
    else:
        text = gettext(
            "R&D %(share)s of revenue → %(points)s of %(max)s points (full points from %(full)s)."
        ) % {
            "share": percent(by_revenue),
            "points": evaluation.rnd_score,
            "max": RND_MAX,
            "full": percent(RND_REVENUE_BANDS[0][0]),
        }
    return Reason("rnd", text, evaluation.rnd_score)


def _ip_reason(data: TechSmeInput, evaluation: TechSmeEvaluation) -> Reason:
    if data.class_i_ip > 0:
        text = gettext(
            "%(count)s class-I IP items (invention patents and alike) → %(points)s of %(max)s points."
        ) % {"count": data.class_i_ip, "points": evaluation.ip_score, "max": IP_MAX}
    else:
        text = gettext(
            "No class-I IP; %(count)s class-II IP items → %(points)s of %(max)s points"
            " (%(each)s each, at most %(items)s items)."
        ) % {
            "count": max(data.class_ii_ip, 0),
            "points": evaluation.ip_score,
            "max": IP_MAX,
            "each": CLASS_II_IP_SCORE_PER_ITEM,
            "items": CLASS_II_IP_MAX_ITEMS,
        }
    return Reason("ip", text, evaluation.ip_score)


def _verdict(evaluation: TechSmeEvaluation) -> str:
    if not evaluation.meets_basic_conditions:
        return gettext("Not a technology-based SME: a basic condition is not met.")
    if evaluation.passed_by_score:
        return gettext("Qualifies as a technology-based SME by its score.")
    if evaluation.qualified:
        return gettext("Qualifies as a technology-based SME directly, whatever its score.")
    if evaluation.staff_score == 0:
        return gettext("Does not qualify: without points for S&T staff no total passes.")
    return gettext("Does not qualify: the total is below %(pass)s.") % {"pass": PASS_SCORE}


def size_label(size: SizeClass) -> str:
    return str(SIZE_LABELS[size])


def explain_size(*, industry: str, industry_label: str, employees: int, revenue: Decimal) -> str:
    """Why the enterprise is of its size class (中小企业划型标准规定), naming its industry's thresholds."""
    size = classify_size(industry=industry, employees=employees, revenue=revenue)
    thresholds = INDUSTRY_THRESHOLDS.get(industry)
    if thresholds is None:
        return gettext(
            "%(industry)s: the size thresholds differ too widely between sectors here to classify"
            " (%(employees)s staff, revenue %(revenue)s)."
        ) % {"industry": industry_label, "employees": employees, "revenue": wan(revenue)}
    return gettext(
        "%(industry)s, %(employees)s staff and revenue %(revenue)s → %(size)s. Both limits must be reached:"
        " small from %(small_staff)s staff and %(small_revenue)s, medium from %(medium_staff)s and"
        " %(medium_revenue)s, large from %(large_staff)s and %(large_revenue)s."
    ) % {
        "industry": industry_label,
        "employees": employees,
        "revenue": wan(revenue),
        "size": size_label(size),
        "small_staff": thresholds.small.min_employees,
        "small_revenue": wan(thresholds.small.min_revenue),
        "medium_staff": thresholds.medium.min_employees,
        "medium_revenue": wan(thresholds.medium.min_revenue),
        "large_staff": thresholds.large.min_employees,
        "large_revenue": wan(thresholds.large.min_revenue),
    }
