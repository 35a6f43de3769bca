"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015) validation.

The code is 18 characters long; the 18th is a check character computed from the first 17
with a weighted sum modulo 31.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

# The standard drops I, O, S, V and Z so they cannot be confused with 1, 0, 5, U and 2.
ALPHABET: str = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FORBIDDEN_LETTERS: frozenset[str] = frozenset("IOSVZ")
# 3**i mod 31 for i = 0..16, as printed in the standard.
WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CODE_LENGTH = 18
BODY_LENGTH = CODE_LENGTH - 1

_VALUES: dict[str, int] = {char: value for value, char in enumerate(ALPHABET)}


@dataclass(frozen=True)
class CreditCodeCheck:
    valid: bool
    normalised: str
    reason: str | None


def normalise_credit_code(raw: str) -> str:
    """Drop all whitespace (people paste codes grouped or padded) and upper-case."""
    return "".join(raw.split()).upper()


def _character_problem(code: str) -> str | None:
    for position, char in enumerate(code, start=1):
        if char in _VALUES:
            continue
        if char in FORBIDDEN_LETTERS:
            return gettext(
                "character '%(char)s' at position %(position)s is not allowed "
                "(I, O, S, V and Z are never used)"
            ) % {"char": char, "position": position}
        return gettext("character '%(char)s' at position %(position)s is not allowed") % {
            "char": char,
            "position": position,
        }
    return None


def _check_character_for(body: str) -> str:
    total = sum(_VALUES[char] * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def compute_check_character(first17: str) -> str:
    """Return the check character for a 17-character body already in canonical (upper-case) form."""
    if len(first17) != BODY_LENGTH:
        raise ValueError(f"body must be {BODY_LENGTH} characters, got {len(first17)}")
    problem = _character_problem(first17)
    if problem is not None:
        raise ValueError(problem)
    return _check_character_for(first17)


def make_credit_code(body17: str) -> str:
    """Complete a 17-character body with its check character (used to generate demo data)."""
    body = normalise_credit_code(body17)
    return body + compute_check_character(body)


def check_credit_code(raw: str) -> CreditCodeCheck:
    if not isinstance(raw, str):
        return CreditCodeCheck(
            False, "", gettext("must be a string, got %(type)s") % {"type": type(raw).__name__}
        )
    code = normalise_credit_code(raw)
    if not code:
        return CreditCodeCheck(False, code, gettext("is empty"))
    if len(code) != CODE_LENGTH:
        return CreditCodeCheck(
            False,
            code,
            gettext("must be %(length)s characters, got %(got)s") % {"length": CODE_LENGTH, "got": len(code)},
        )
    problem = _character_problem(code)
    if problem is not None:
        return CreditCodeCheck(False, code, problem)
    expected = _check_character_for(code[:BODY_LENGTH])
    if code[-1] != expected:
        return CreditCodeCheck(
            False,
            code,
            gettext("check character should be '%(expected)s', got '%(got)s'")
            % {"expected": expected, "got": code[-1]},
        )
    return CreditCodeCheck(True, code, None)
