"""The match score: ten factors, each 0–1 times its weight (weights add up to 100), each explained.

Every factor returns (fraction, value, text). The explanation stored on a Referral is one dict per
factor: {"factor", "label", "value", "weight", "points", "text"}, with `text` written for a
coordinator or a loan officer, not for a developer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument
from lenders.models import Product
from projects.choices import Stage
from projects.credits.explain import plain
from projects.credits.selectors import credit_under
from projects.models_credits import BASE_POINTS
from projects.sentences import one_after_the_other

from ..choices import label_of, lower_first
from ..models import Tranche
from ..policies.support import supports
from .candidates import Candidate
from .context import InstitutionRecord, MatchContext
from .fit import centred_fit, clamp, range_position, where_in
from .record_factors import offer_rate, response_time

FULL_HEADROOM = Decimal(10)  # capacity left after pending referrals, in multiples of the tranche

DEFAULT_WEIGHTS: dict[str, int] = {
    "amount_fit": 15,
    "term_fit": 5,
    "innovation_credit": 20,
    "hard_tech": 10,
    "major_task": 10,
    "local_pilot": 10,
    "offer_rate": 10,
    "response_time": 5,
    "policy_support": 10,
    "capacity": 5,
}
LABELS: dict[str, Promise] = {
    "amount_fit": _("Amount fits the product's range"),
    "term_fit": _("Term fits the product's range"),
    "innovation_credit": _("Innovation credit"),
    "hard_tech": _("Hard-technology field"),
    "major_task": _("National or provincial major task"),
    "local_pilot": _("Local institution in a pilot zone"),
    "offer_rate": _("Institution's offer rate in this field"),
    "response_time": _("Institution's response time"),
    "policy_support": _("Policy support available"),
    "capacity": _("Capacity left on the product"),
}


def factor_weights() -> dict[str, int]:
    weights = {**DEFAULT_WEIGHTS, **getattr(settings, "MATCHING_FACTOR_WEIGHTS", {})}
    return {key: weights[key] for key in DEFAULT_WEIGHTS}


class ProductFacts(NamedTuple):
    """What the score needs about a product beyond its row: read in bulk by the proposal (a named tuple:
    the proposal builds one per eligible product)."""

    institution_local: bool
    targets_hard_tech: bool
    record: InstitutionRecord
    pending: Decimal


def yuan(amount: Decimal) -> str:
    """3000000 -> "3,000,000 yuan (300万元)" in English, "300万元" in Chinese (the catalogue decides)."""
    amount = Decimal(amount)
    if amount >= 10_000:
        wan = (amount / 10_000).quantize(Decimal("0.01")).normalize()
        return gettext("%(yuan)s yuan (%(wan)s万元)") % {"yuan": f"{amount:,.0f}", "wan": f"{wan:,f}"}
    return gettext("%(yuan)s yuan") % {"yuan": f"{amount:,.0f}"}


def ordinal(number: int) -> str:
    """91 -> "91st" in English; the bare number in other languages (their sentences place it)."""
    if not (get_language() or "").startswith("en"):
        return str(number)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def stage_label(stage: str) -> str:
    """An enterprise stage in words ("start-up"), lower case inside an English sentence."""
    return lower_first(label_of(Stage, stage))


# A factor returns (fraction from 0 to 1, value, text); the text is a callable, only written out for
# the candidates whose explanation is shown or stored.
Factor = Callable[[Product, Tranche, MatchContext, ProductFacts], tuple[float, object, Callable[[], str]]]


def amount_fit(product, tranche, ctx, facts):
    position = range_position(
        float(tranche.amount), float(product.min_amount), float(product.max_amount), log=True
    )
    return (
        centred_fit(position),
        round(position, 3),
        lambda: (
            gettext(
                "%(amount)s is %(where)s the product's %(low)s – %(high)s range "
                "(%(position)s of the way, log scale)."
            )
            % {
                "amount": yuan(tranche.amount),
                "where": where_in(position),
                "low": yuan(product.min_amount),
                "high": yuan(product.max_amount),
                "position": f"{position:.0%}",
            }
        ),
    )


def term_fit(product, tranche, ctx, facts):
    term = ctx.request.term_months
    position = range_position(term, product.min_term_months, product.max_term_months, log=False)
    return (
        centred_fit(position),
        round(position, 3),
        lambda: (
            gettext("%(term)s months is %(where)s the product's %(low)s–%(high)s month range.")
            % {
                "term": term,
                "where": where_in(position),
                "low": product.min_term_months,
                "high": product.max_term_months,
            }
        ),
    )


def innovation_credit(product, tranche, ctx, facts):
    credit = ctx.credit
    if credit is None:
        return 0.0, None, lambda: gettext("No innovation credit score yet: counted as 0.")

    def text() -> str:
        if credit.maximum > BASE_POINTS:
            words = gettext(
                "Innovation credit %(total)s of 100 plus up to %(bonus)s bonus points under model %(version)s"
                " for %(year)s"
            ) % {
                "total": credit.total,
                "bonus": plain(credit.maximum - BASE_POINTS),
                "version": credit.version,
                "year": credit.year,
            }
        else:
            words = gettext("Innovation credit %(total)s of 100 under model %(version)s for %(year)s") % {
                "total": credit.total,
                "version": credit.version,
                "year": credit.year,
            }
        if credit.percentile is not None:
            province, _sep, stage = credit.cohort.partition(":")
            words += gettext(
                ", %(ordinal)s percentile among %(size)s %(stage)s-stage enterprises of region %(region)s"
            ) % {
                "ordinal": ordinal(int(credit.percentile)),
                "size": credit.cohort_size,
                "stage": stage_label(stage),
                "region": province,
            }
        if product.min_credit_score > 0:
            words += gettext(
                "; the product asks for at least %(minimum)s under model %(version)s, where it has %(score)s"
            ) % {
                "minimum": product.min_credit_score,
                "version": product.min_credit_version,
                "score": credit_under(ctx.credits_by_version, product.min_credit_version) or Decimal("0"),
            }
        return words + gettext(".")

    # The share of the version's scale (2.0 runs to 130), so that the factor stays within 0 to 1.
    return float(credit.total / credit.maximum), float(credit.total), text


def hard_tech(product, tranche, ctx, facts):
    hard = [f.name for f in ctx.fields if f.hard_tech]
    if not hard:
        return 0.0, False, lambda: gettext("The enterprise works in no hard-technology field.")
    if facts.targets_hard_tech:
        return (
            1.0,
            True,
            lambda: (
                gettext("Hard-technology field (%(names)s) that this product is aimed at.")
                % {"names": gettext(", ").join(hard)}
            ),
        )
    return (
        0.6,
        True,
        lambda: (
            gettext("Hard-technology field (%(names)s); the product is open to every field.")
            % {"names": gettext(", ").join(hard)}
        ),
    )


def major_task(product, tranche, ctx, facts):
    task = ctx.request.major_task
    if task is None:
        return 0.0, None, lambda: gettext("Not part of a major S&T task.")
    words = {"code": task.code, "title": task.title}
    if task.is_national:
        return 1.0, "national", lambda: gettext("Finances national major task %(code)s (%(title)s).") % words
    return 0.6, task.level, lambda: gettext("Finances provincial major task %(code)s (%(title)s).") % words


def local_pilot(product, tranche, ctx, facts):
    words = {"institution": product.institution, "place": ctx.enterprise.region.name}
    if not facts.institution_local:
        return (
            0.0,
            "nationwide",
            lambda: gettext("%(institution)s is not a local institution of %(place)s.") % words,
        )
    if ctx.pilot_zone:
        return (
            1.0,
            "local_pilot",
            lambda: gettext("%(institution)s serves %(place)s locally, an S&T finance pilot zone.") % words,
        )
    return (
        0.5,
        "local",
        lambda: gettext("%(institution)s serves %(place)s locally (not a pilot zone).") % words,
    )


def policy_support(product, tranche, ctx, facts):
    """Every programme in force whose conditions the tranche meets with this institution (DESIGN §10):
    subsidies, risk pools and re-lending alike; the amounts use the product's indicative rate."""
    deal = ctx.deal(
        tranche, relending_bank=product.institution.relending_eligible, annual_rate=product.rate_max
    )
    found = supports(ctx.programmes, deal)
    if not found:
        return (
            0.0,
            None,
            lambda: (
                gettext("No policy programme in force applies to this %(instrument)s with %(institution)s.")
                % {
                    "instrument": lower_first(label_of(Instrument, tranche.instrument)),
                    "institution": product.institution,
                }
            ),
        )
    return (
        1.0,
        sorted({s.programme.kind for s in found}),
        lambda: one_after_the_other(
            *(
                gettext("%(programme)s: %(support)s.")
                % {"programme": s.programme.name, "support": s.explanation}
                for s in found
            )
        ),
    )


def _free(product, facts) -> Decimal:
    """The capacity left after the referrals waiting on the product."""
    return product.capacity_left - facts.pending


def free_capacity(product, tranche, facts) -> Decimal:
    """What the capacity factor's points read (`_free`), every amount from FULL_HEADROOM times the tranche up
    counted alike (all full points)."""
    return min(_free(product, facts), FULL_HEADROOM * tranche.amount)


def capacity(product, tranche, ctx, facts):
    free = _free(product, facts)
    headroom = free / tranche.amount if tranche.amount else FULL_HEADROOM
    fraction = clamp(float((headroom - 1) / (FULL_HEADROOM - 1)))

    def text() -> str:
        words = {
            "left": yuan(product.capacity_left),
            "pending": yuan(facts.pending),
            "times": f"{headroom:.1f}",
        }
        if facts.pending:
            return (
                gettext(
                    "%(left)s of this year's capacity left, %(pending)s of it waiting on other referrals: "
                    "%(times)s times this tranche."
                )
                % words
            )
        return gettext("%(left)s of this year's capacity left: %(times)s times this tranche.") % words

    return fraction, float(headroom.quantize(Decimal("0.1"))), text


FACTORS: dict[str, Factor] = {
    "amount_fit": amount_fit,
    "term_fit": term_fit,
    "innovation_credit": innovation_credit,
    "hard_tech": hard_tech,
    "major_task": major_task,
    "local_pilot": local_pilot,
    "offer_rate": offer_rate,
    "response_time": response_time,
    "policy_support": policy_support,
    "capacity": capacity,
}


# Factors whose points read only the request and a few facts of the product (a few distinct values on a
# tranche), each with those facts: computed once per distinct value when ranking (their texts may name
# the institution or the product; explanations compute every factor). Whether a programme applies never
# reads the product's rate (policies.eligibility.refusal), so only the institution's re-lending
# eligibility counts for policy support.
SHARED_FACTORS: dict[str, Callable[[Product, ProductFacts], object]] = {
    "innovation_credit": lambda product, facts: None,
    "hard_tech": lambda product, facts: facts.targets_hard_tech,
    "major_task": lambda product, facts: None,
    "local_pilot": lambda product, facts: facts.institution_local,
    "offer_rate": lambda product, facts: (facts.record.decided_in_field, facts.record.offered_in_field),
    "response_time": lambda product, facts: facts.record.avg_response_days,
    "policy_support": lambda product, facts: product.institution.relending_eligible,
}


@dataclass
class SharedPoints:
    """The points a tranche's candidates share, kept while ranking them (one per tranche): the shared
    factors' sum by all their inputs together, each shared or range factor's by its own inputs, and the
    capacity factor's by the free capacity."""

    by_inputs: dict[tuple, float] = field(default_factory=dict)
    by_factor: dict[tuple, float] = field(default_factory=dict)
    by_capacity: dict[Decimal, float] = field(default_factory=dict)


def score_candidate(
    product: Product,
    tranche: Tranche,
    ctx: MatchContext,
    facts: ProductFacts,
    *,
    weights: dict[str, int] | None = None,
    explain: bool = True,
    shared: SharedPoints | None = None,
) -> Candidate:
    """The candidate with its score and, with `explain`, its explanation (the texts cost more).

    `shared` (one per tranche, only without `explain`) keeps the points of the factors that read few of the
    product's facts between the products of one tranche."""
    weights = weights or factor_weights()
    if shared is not None and not explain:
        return Candidate(product=product, score=_fast_total(product, tranche, ctx, facts, weights, shared))
    explanation = []
    total = 0.0
    for key, factor in FACTORS.items():
        fraction, value, text = factor(product, tranche, ctx, facts)
        points = round(weights[key] * fraction, 2)
        total += points
        if explain:
            explanation.append(
                {
                    "factor": key,
                    "label": str(LABELS[key]),
                    "value": value,
                    "weight": weights[key],
                    "points": points,
                    "text": text(),
                }
            )
    return Candidate(product=product, score=Decimal(f"{total:.2f}"), explanation=explanation)


# Of the others, the factors whose points read only the tranche, the request and one of the product's
# ranges (a catalogue has few distinct ranges): computed once per distinct range on a tranche; and the
# capacity factor, whose points read only the free capacity (free_capacity): once per distinct value.
RANGE_FACTORS: dict[str, Callable[[Product], tuple]] = {
    "amount_fit": lambda product: (product.min_amount, product.max_amount),
    "term_fit": lambda product: (product.min_term_months, product.max_term_months),
}
CAPACITY_FACTOR = "capacity"
PRODUCT_FACTORS = [key for key in FACTORS if key not in {*SHARED_FACTORS, *RANGE_FACTORS, CAPACITY_FACTOR}]
_SHARED_INPUTS = tuple(SHARED_FACTORS.values())
_RANGE_INPUTS = tuple(RANGE_FACTORS.items())


def _points(keys, product, tranche, ctx, facts, weights) -> float:
    return sum(round(weights[k] * FACTORS[k](product, tranche, ctx, facts)[0], 2) for k in keys)


def _shared_points(inputs: tuple, product, tranche, ctx, facts, weights, shared: SharedPoints) -> float:
    """The shared factors' points summed in order, each factor computed once per distinct value of its
    own inputs (`inputs`, in SHARED_FACTORS' order) on the tranche."""
    total = 0.0
    for key, own in zip(SHARED_FACTORS, inputs, strict=True):
        memo = (key, own)
        points = shared.by_factor.get(memo)
        if points is None:
            fraction = FACTORS[key](product, tranche, ctx, facts)[0]
            points = shared.by_factor[memo] = round(weights[key] * fraction, 2)
        total += points
    return total


def _fast_total(product, tranche, ctx, facts, weights, shared: SharedPoints) -> Decimal:
    """The same total as the explained path (the same rounded points, summed: every point is a whole number
    of hundredths, so the order of the sum does not change the total to two places), computing the shared
    factors once per distinct value of their inputs (products of a tranche that agree on these get the same
    points from them), each range factor once per distinct range and the capacity factor once per distinct
    free capacity on the tranche."""
    inputs = tuple([read(product, facts) for read in _SHARED_INPUTS])
    total = shared.by_inputs.get(inputs)
    if total is None:
        total = _shared_points(inputs, product, tranche, ctx, facts, weights, shared)
        shared.by_inputs[inputs] = total
    for key, read in _RANGE_INPUTS:
        memo = (key, read(product))
        points = shared.by_factor.get(memo)
        if points is None:
            points = shared.by_factor[memo] = _points((key,), product, tranche, ctx, facts, weights)
        total += points
    free = free_capacity(product, tranche, facts)
    points = shared.by_capacity.get(free)
    if points is None:
        points = shared.by_capacity[free] = _points((CAPACITY_FACTOR,), product, tranche, ctx, facts, weights)
    total += points
    if PRODUCT_FACTORS:  # none today: summing nothing cost a call per candidate
        total += _points(PRODUCT_FACTORS, product, tranche, ctx, facts, weights)
    return Decimal(f"{total:.2f}")
