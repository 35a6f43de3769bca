"""An innovation-credit score in words: each breakdown line as "value → points × weight = contribution",
and the cohort percentile as a sentence. Reads only what the score stored (its breakdown, percentile and
cohort), so the words always match the number shown beside them. Pure apart from gettext."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext

from ..choices import SpecialisedStatus, Stage
from .choices import IndicatorGroup, Metric

TEN_THOUSAND = Decimal(10000)
TWO_PLACES = Decimal("0.01")
RATIO_METRICS = frozenset(
    {
        Metric.RND_INTENSITY,
        Metric.ST_STAFF_SHARE,
        Metric.REVENUE_GROWTH,
        Metric.RND_GROWTH,
        Metric.STAFF_GROWTH,
    }
)
MONEY_METRICS = frozenset(
    {Metric.RND_EXPENSE, Metric.TECH_CONTRACT_TURNOVER, Metric.REVENUE, Metric.VC_RECEIVED}
)


@dataclass(frozen=True)
class CreditLine:
    """One indicator of a stored score, with its sentence."""

    code: str
    name: str
    group: str
    group_label: str
    points: Decimal
    weight: Decimal
    contribution: Decimal
    text: str


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _or_zero(value) -> Decimal:
    number = _decimal(value)
    return Decimal("0") if number is None else number


def plain(number: Decimal) -> str:
    """A number without trailing zeros or exponent: 100.00 → "100", 84.10 → "84.1"."""
    return format(number.normalize(), "f")


def format_value(metric: str, value) -> str:
    """A metric's raw value as a reader expects it: shares as percentages, money in 万元, yes / no."""
    if value is None:
        return gettext("no data")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if metric == Metric.SPECIALISED_STATUS:
        labels = dict(SpecialisedStatus.choices)
        return str(labels.get(value, value))
    number = _decimal(value)
    if number is None:
        return str(value)
    if metric in RATIO_METRICS:
        return f"{(number * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if metric in MONEY_METRICS:
        amount = (number / TEN_THOUSAND).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{amount:,} 万元"
    return plain(number)


def explain_line(line: Mapping) -> CreditLine:
    """One breakdown entry as stored by `scoring.Scorer.score` (code, name, group, metric, value, points,
    weight, contribution, no_data), with its sentence."""
    metric = line.get("metric", "")
    labels = dict(Metric.choices)
    what = str(labels.get(metric, line.get("name", metric)))
    points = _or_zero(line.get("points"))
    weight = _or_zero(line.get("weight"))
    contribution = _or_zero(line.get("contribution")).quantize(TWO_PLACES)
    if line.get("no_data"):
        text = gettext("%(what)s: no data → 0 points.") % {"what": what}
    else:
        text = gettext(
            "%(what)s: %(value)s → %(points)s points × weight %(weight)s%% = %(contribution)s."
        ) % {
            "what": what,
            "value": format_value(metric, line.get("value")),
            "points": plain(points),
            "weight": plain(weight),
            "contribution": contribution,
        }
    group = line.get("group", "")
    return CreditLine(
        code=line.get("code", ""),
        name=line.get("name", ""),
        group=group,
        group_label=str(dict(IndicatorGroup.choices).get(group, group)),
        points=points,
        weight=weight,
        contribution=contribution,
        text=text,
    )


def explain_breakdown(breakdown) -> list[CreditLine]:
    """Every line of a stored breakdown, the largest contributions first within each group."""
    lines = [explain_line(line) for line in breakdown or [] if isinstance(line, Mapping)]
    order = {group: index for index, group in enumerate(IndicatorGroup.values)}
    return sorted(lines, key=lambda line: (order.get(line.group, len(order)), -line.contribution, line.code))


def explain_percentile(*, percentile, cohort: str, cohort_size: int | None) -> str:
    """The cohort percentile in words. A cohort is province × stage ("310000:growth"); the percentile is
    the share of the cohort scoring below, counting ties as half (scoring.percentile_ranks)."""
    province, _, stage = (cohort or "").partition(":")
    stage_label = str(dict(Stage.choices).get(stage, stage))
    number = _decimal(percentile)
    if number is None or not cohort_size:
        return gettext(
            "No percentile yet: it is computed with the scores of the whole cohort (province %(province)s,"
            " stage: %(stage)s)."
        ) % {"province": province, "stage": stage_label}
    return gettext(
        "Percentile %(percentile)s: ahead of about %(percentile)s%% of the %(size)s enterprises scored in"
        " its cohort (province %(province)s, stage: %(stage)s; ties count half)."
    ) % {
        "percentile": number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        "size": cohort_size,
        "stage": stage_label,
        "province": province,
    }
