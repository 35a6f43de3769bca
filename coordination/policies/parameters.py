"""The parameters of each programme kind, their defaults (DESIGN §10, from real programmes) and their check.

Parameters are held as JSON on the programme: decimals as strings (so a share of 0.7 stays exactly 0.7),
whole years as integers, `null` where a limit does not apply. `validated(kind, raw)` fills the defaults in,
refuses unknown names and values out of range, and returns the normalised dict; `read(params)` gives the
values back as Decimals and ints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from lenders.choices import Instrument

from ..choices import ProgrammeKind

SHARE, MONEY, YEARS, RATE, MODE = "share", "money", "years", "rate", "mode"
INTEREST_MODES = ("share", "points")


# Which instruments each kind can apply to; a programme's own list narrows it (empty: all of them).
KIND_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    ProgrammeKind.INTEREST_SUBSIDY: (Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN),
    ProgrammeKind.GUARANTEE_FEE_SUBSIDY: (Instrument.GUARANTEE, Instrument.LOAN_GUARANTEE_INSURANCE),
    ProgrammeKind.INSURANCE_PREMIUM_SUBSIDY: (
        Instrument.RD_INSURANCE,
        Instrument.FIRST_SET_INSURANCE,
        Instrument.LOAN_GUARANTEE_INSURANCE,
    ),
    ProgrammeKind.RISK_COMPENSATION: (Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN),
    ProgrammeKind.RELENDING: (Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN),
}


@dataclass(frozen=True)
class Parameter:
    kind: str  # SHARE (0–1), RATE (0–1, a yearly fraction), MONEY (yuan ≥ 0), YEARS (whole, ≥ 1), MODE
    default: object
    nullable: bool = False


KIND_PARAMETERS: dict[str, dict[str, Parameter]] = {
    ProgrammeKind.INTEREST_SUBSIDY: {
        # "share": a share of the interest paid; "points": percentage points of the principal a year.
        "mode": Parameter(MODE, "share"),
        "share": Parameter(SHARE, "0.5"),
        "first_loan_share": Parameter(SHARE, "0.7"),
        "points": Parameter(RATE, "0.01"),
        "first_loan_points": Parameter(RATE, "0.02"),
        "cap_per_year": Parameter(MONEY, "1000000", nullable=True),
        "cap_total": Parameter(MONEY, "3000000", nullable=True),
        "max_years": Parameter(YEARS, 2, nullable=True),
    },
    ProgrammeKind.GUARANTEE_FEE_SUBSIDY: {
        "share": Parameter(SHARE, "0.5"),
        "cap_per_year": Parameter(MONEY, "300000", nullable=True),
    },
    ProgrammeKind.INSURANCE_PREMIUM_SUBSIDY: {
        "share": Parameter(SHARE, "0.5"),
        # First-set equipment: 80% of a premium rate of at most 3%, for up to 3 years.
        "max_premium_rate": Parameter(RATE, None, nullable=True),
        "max_years": Parameter(YEARS, None, nullable=True),
    },
    ProgrammeKind.RISK_COMPENSATION: {
        "share": Parameter(SHARE, "0.55"),
        "first_loan_bonus": Parameter(SHARE, "0.05"),
        "cap_per_loan": Parameter(MONEY, "3000000", nullable=True),
        "cover_years": Parameter(YEARS, 2),
        # All public compensation of one loss together, as a share of the lender's loss.
        "public_total_cap": Parameter(SHARE, "0.8"),
    },
    # The share refinanced and the rate are the central bank's, dated (lenders.RelendingPolicy, DESIGN §6):
    # `selectors.programme_terms` adds those in force on the deal's day, so they are kept in one place.
    ProgrammeKind.RELENDING: {
        "term_years": Parameter(YEARS, 1),
    },
}


def defaults(kind: str) -> dict:
    return {name: spec.default for name, spec in KIND_PARAMETERS[kind].items()}


def _checked(spec: Parameter, value) -> tuple[object, str | None]:
    if value is None or value == "":
        return (None, None) if spec.nullable else (None, gettext("A value is required."))
    if spec.kind == MODE:
        if value not in INTEREST_MODES:
            return None, gettext("One of: %(choices)s.") % {"choices": ", ".join(INTEREST_MODES)}
        return value, None
    if spec.kind == YEARS:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            return None, gettext("A whole number of years.")
        if not 1 <= int(value) <= 30:
            return None, gettext("From 1 to 30 years.")
        return int(value), None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, gettext("A number.")
    if isinstance(value, bool) or not number.is_finite() or number < 0:
        return None, gettext("A number from 0 up.")
    if spec.kind in (SHARE, RATE) and number > 1:
        return None, gettext("A fraction from 0 to 1 (0.5 means 50 per cent).")
    return f"{number.normalize():f}", None


def validated(kind: str, raw) -> tuple[dict, dict[str, str]]:
    """The parameters with defaults filled in, and the errors by parameter name (empty when valid)."""
    if kind not in KIND_PARAMETERS:
        return {}, {"kind": gettext("Unknown programme kind.")}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return {}, {"parameters": gettext("An object of named parameters.")}
    specs = KIND_PARAMETERS[kind]
    errors = {
        name: gettext("Not a parameter of this kind; it takes: %(names)s.") % {"names": ", ".join(specs)}
        for name in raw
        if name not in specs
    }
    clean: dict = {}
    for name, spec in specs.items():
        value, error = _checked(spec, raw.get(name, spec.default))
        if error:
            errors[name] = error
        clean[name] = value
    return clean, errors


def read(params: Mapping) -> dict:
    """Normalised parameters as Python values: Decimals for shares, rates and money; ints for years."""
    return {
        name: Decimal(value) if isinstance(value, str) and name != "mode" else value
        for name, value in params.items()
    }
