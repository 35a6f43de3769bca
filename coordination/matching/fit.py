"""Where a value sits in a product's range, as the score's fit factors read it."""

import math

from django.utils.translation import gettext


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def range_position(value: float, low: float, high: float, *, log: bool) -> float:
    """Where `value` sits in [low, high], 0 at low and 1 at high (on a log scale for money)."""
    if high <= low:
        return 0.5
    if log:
        value, low, high = math.log(value), math.log(low), math.log(high)
    return clamp((value - low) / (high - low))


def centred_fit(position: float) -> float:
    """1 in the middle of a range, 0.5 at either edge: an edge case is eligible but less typical."""
    return 1 - abs(2 * position - 1) / 2


def where_in(position: float) -> str:
    """The position in words, for a sentence about the range."""
    if position < 0.2:
        return gettext("near the lower end of")
    if position > 0.8:
        return gettext("near the upper end of")
    if 0.35 <= position <= 0.65:
        return gettext("in the middle of")
    return gettext("well inside")
