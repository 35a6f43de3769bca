"""Pure innovation-credit scoring: curves turn raw values into 0–100 points, stage weights add them up.

Nothing here reads the database. A model version is a list of `IndicatorSpec`; the same specs and the
same metric values always give the same score, which is what keeps a stored score reproducible.

Curves (the `params` of each indicator):

* ``linear`` ``{"zero": a, "full": b}`` — 0 points at or below *a*, 100 at or above *b*, straight
  line between (``b < a`` scores falling values, e.g. days to respond).
* ``log`` ``{"zero": a, "full": b}`` — the same on ``ln(1 + x)``, for money and counts where the
  first million matters more than the hundredth.
* ``bands`` ``{"bands": [[threshold, points], ...]}`` thresholds ascending; a value scores the points
  of the highest threshold it reaches (band edges belong to the higher band); below the first, 0.
* ``boolean`` ``{"true": 100, "false": 0}`` (those are the defaults).
* ``choice`` ``{"points": {"value": points, ...}}``; an unknown value scores 0.

Bonus items (2.0's shape, DESIGN §5): an indicator marked `bonus` adds its points × weight / 100 on top of
the 100-point base, and the bonus items together add at most the model's `bonus_cap` (2.0: 30, so 130 at
most). The base indicators' weights add up to 100 at every stage; the bonus items' weights need not.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.utils.translation import gettext

from config.api.domain_errors import ValidationFailed

from .choices import Curve, IndicatorGroup, Metric

HUNDRED = Decimal(100)
POINTS = Decimal("0.01")
STAGES = ("startup", "growth", "stable")


class CurveError(ValidationFailed, ValueError):
    """The parameters do not describe a curve of that kind."""

    code = "invalid_curve"


def _dec(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise CurveError(
            gettext("%(what)s must be a number, not %(value)r") % {"what": what, "value": value}
        ) from None
    if not number.is_finite():
        raise CurveError(gettext("%(what)s must be a finite number") % {"what": what})
    return number


def _q(value: Decimal) -> Decimal:
    return value.quantize(POINTS, rounding=ROUND_HALF_UP)


def _clamp(fraction: Decimal) -> Decimal:
    return min(Decimal(1), max(Decimal(0), fraction))


def validate_curve(curve: str, params: Mapping) -> None:
    """Raise CurveError unless `params` describe a curve of kind `curve`."""
    if not isinstance(params, Mapping):
        raise CurveError(gettext("params must be an object"))
    if curve in (Curve.LINEAR, Curve.LOG):
        if "zero" not in params or "full" not in params:
            raise CurveError(gettext("a %(curve)s curve needs 'zero' and 'full'") % {"curve": curve})
        zero, full = _dec(params["zero"], "zero"), _dec(params["full"], "full")
        if zero == full:
            raise CurveError(gettext("'zero' and 'full' must differ"))
        if curve == Curve.LOG and (zero < 0 or full < 0):
            raise CurveError(gettext("a log curve takes values from 0 up"))
    elif curve == Curve.BANDS:
        bands = params.get("bands")
        if not isinstance(bands, list) or not bands:
            raise CurveError(gettext("a bands curve needs a non-empty list 'bands' of [threshold, points]"))
        previous = None
        for item in bands:
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise CurveError(gettext("each band is [threshold, points]"))
            threshold, points = _dec(item[0], "threshold"), _dec(item[1], "points")
            if not 0 <= points <= 100:
                raise CurveError(gettext("band points must be from 0 to 100"))
            if previous is not None and threshold <= previous:
                raise CurveError(gettext("band thresholds must be ascending"))
            previous = threshold
    elif curve == Curve.BOOLEAN:
        for key in ("true", "false"):
            if key in params and not 0 <= _dec(params[key], key) <= 100:
                raise CurveError(gettext("'%(key)s' points must be from 0 to 100") % {"key": key})
    elif curve == Curve.CHOICE:
        choices = params.get("points")
        if not isinstance(choices, Mapping) or not choices:
            raise CurveError(gettext("a choice curve needs an object 'points' of value: points"))
        for key, value in choices.items():
            if not 0 <= _dec(value, f"points[{key}]") <= 100:
                raise CurveError(gettext("choice points must be from 0 to 100"))
    else:
        raise CurveError(gettext("unknown curve %(curve)r") % {"curve": curve})


# ln at a fixed precision: the same digits on every platform, and fast enough for batches.
LN_CONTEXT = Context(prec=20)


class CompiledCurve:
    """A curve with its parameters parsed once; calling it gives 0–100 points (None scores 0)."""

    def __init__(self, curve: str, params: Mapping):
        self.curve = curve
        if curve == Curve.BOOLEAN:
            self.true = _q(_dec(params.get("true", 100), "true"))
            self.false = _q(_dec(params.get("false", 0), "false"))
        elif curve == Curve.CHOICE:
            self.points = {str(k): _q(_dec(v, f"points[{k}]")) for k, v in params["points"].items()}
        elif curve == Curve.BANDS:
            self.bands = [(_dec(t, "threshold"), _q(_dec(p, "points"))) for t, p in params["bands"]]
        elif curve in (Curve.LINEAR, Curve.LOG):
            self.zero, self.full = _dec(params["zero"], "zero"), _dec(params["full"], "full")
            if curve == Curve.LOG:
                self.low, self.high = _ln(self.zero), _ln(self.full)
        else:
            raise CurveError(gettext("unknown curve %(curve)r") % {"curve": curve})

    def __call__(self, value) -> Decimal:
        if value is None:
            return Decimal(0)
        curve = self.curve
        if curve == Curve.BOOLEAN:
            return self.true if bool(value) else self.false
        if curve == Curve.CHOICE:
            return self.points.get(str(value), Decimal("0.00"))
        number = _dec(value, "value")
        if curve == Curve.BANDS:
            points = Decimal("0.00")
            for threshold, band_points in self.bands:
                if number >= threshold:
                    points = band_points
            return points
        if curve == Curve.LINEAR:
            return _q(HUNDRED * _clamp((number - self.zero) / (self.full - self.zero)))
        at = _ln(max(number, Decimal(0)))
        return _q(HUNDRED * _clamp((at - self.low) / (self.high - self.low)))


def _ln(value: Decimal) -> Decimal:
    """ln(1 + value)."""
    return (value + 1).ln(LN_CONTEXT)


def curve_points(curve: str, params: Mapping, value) -> Decimal:
    """0–100 points for `value` on the curve; `None` (no data) scores 0."""
    return CompiledCurve(curve, params)(value)


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    group: str
    metric: str
    curve: str
    params: Mapping
    weights: Mapping[str, Decimal]  # stage -> weight; a stage's base weights add up to 100
    bonus: bool = False  # scored on top of the base, within the model's bonus cap


@dataclass
class ScoreResult:
    total: Decimal  # base + bonus
    groups: dict[str, Decimal]  # the base indicators' contributions by group
    breakdown: list[dict] = field(default_factory=list)
    bonus: Decimal = Decimal("0.00")  # the bonus items' contributions, capped


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


class Scorer:
    """A model version's indicators, compiled once, to score many enterprises."""

    def __init__(self, indicators: Iterable[IndicatorSpec], bonus_cap: Decimal = Decimal(0)):
        self.indicators = [(spec, CompiledCurve(spec.curve, spec.params)) for spec in indicators]
        self.bonus_cap = Decimal(bonus_cap)

    def score(self, stage: str, metrics: Mapping[str, object]) -> ScoreResult:
        """The base, Σ points × weight / 100 over the base indicators (0 to 100), plus the bonus items'
        Σ points × weight / 100 up to the bonus cap."""
        groups = {spec.group: Decimal(0) for spec, _ in self.indicators if not spec.bonus}
        bonus = Decimal(0)
        breakdown = []
        for spec, curve in self.indicators:
            weight = Decimal(spec.weights.get(stage, 0))
            value = metrics.get(spec.metric)
            points = curve(value)
            contribution = _q(points * weight / HUNDRED)
            if spec.bonus:
                bonus += contribution
            else:
                groups[spec.group] += contribution
            line = {
                "code": spec.code,
                "name": spec.name,
                "group": spec.group,
                "metric": spec.metric,
                "value": _json_value(value),
                "points": str(points),
                "weight": str(weight),
                "contribution": str(contribution),
                "no_data": value is None,
            }
            if spec.bonus:
                line["bonus"] = True
            breakdown.append(line)
        capped = _q(min(bonus, self.bonus_cap))
        total = _q(sum(groups.values(), Decimal(0)) + capped)
        return ScoreResult(
            total=total, groups={k: _q(v) for k, v in groups.items()}, breakdown=breakdown, bonus=capped
        )


def score(
    indicators: Iterable[IndicatorSpec],
    stage: str,
    metrics: Mapping[str, object],
    bonus_cap: Decimal = Decimal(0),
) -> ScoreResult:
    """Score one enterprise (see Scorer to score many with the same indicators)."""
    return Scorer(indicators, bonus_cap).score(stage, metrics)


def check_weights(indicators: Iterable[IndicatorSpec], bonus_cap: Decimal = Decimal(0)) -> list[str]:
    """Problems that keep a model from being published: base weights per stage must add up to 100, and
    bonus items need a bonus cap above 0."""
    specs = list(indicators)
    problems = []
    if not any(not s.bonus for s in specs):
        problems.append(gettext("a model needs at least one indicator"))
    if any(s.bonus for s in specs) and not Decimal(bonus_cap) > 0:
        problems.append(gettext("bonus items need a bonus cap above 0"))
    for stage in STAGES:
        total = sum((Decimal(s.weights.get(stage, 0)) for s in specs if not s.bonus), Decimal(0))
        if total != HUNDRED:
            problems.append(
                gettext("weights for the %(stage)s stage add up to %(total)s, not 100")
                % {"stage": stage, "total": total}
            )
    codes = [s.code for s in specs]
    if len(codes) != len(set(codes)):
        problems.append(gettext("indicator codes must be unique"))
    for s in specs:
        if s.metric not in Metric.values:
            problems.append(
                gettext("%(code)s: unknown metric %(metric)r") % {"code": s.code, "metric": s.metric}
            )
        if s.group not in IndicatorGroup.values:
            problems.append(gettext("%(code)s: unknown group %(group)r") % {"code": s.code, "group": s.group})
        try:
            validate_curve(s.curve, s.params)
        except CurveError as error:
            problems.append(f"{s.code}: {error}")
        for stage, weight in s.weights.items():
            if Decimal(weight) < 0:
                problems.append(
                    gettext("%(code)s: negative weight for %(stage)s") % {"code": s.code, "stage": stage}
                )
    return problems


def percentile_ranks(totals: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """Percentile rank of each key's total in the group: (below + ½ equal) / n × 100, two places."""
    values = sorted(totals.values())
    n = len(values)
    ranks: dict[int, Decimal] = {}
    if not n:
        return ranks
    for key, total in totals.items():
        below = bisect.bisect_left(values, total)
        equal = bisect.bisect_right(values, total) - below
        ranks[key] = _q(HUNDRED * (Decimal(below) + Decimal(equal) / 2) / n)
    return ranks


__all__ = [
    "CompiledCurve",
    "IndicatorSpec",
    "Scorer",
    "ScoreResult",
    "CurveError",
    "check_weights",
    "curve_points",
    "percentile_ranks",
    "score",
    "validate_curve",
]
