"""The support a qualifying deal gets from each programme over the offer's life, and its net yearly cost.

Assumptions (stated, since a programme's rules are richer than its headline): interest, fees and premiums
are reckoned on the full amount for the whole term (a bullet loan; amortisation would lower them); a
subsidy paid "for at most N years" runs from the start of the offer; risk compensation and re-lending are
the lender's (the pool's cover and the refinanced principal), so they are listed but do not lower the
applicant's rate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext

from ..choices import ProgrammeKind, label_of
from ..templatetags.money import percent, wan
from .deal import Deal, Programme
from .eligibility import qualifies
from .parameters import read

CENTS = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Support:
    programme: Programme
    amount: Decimal  # over the offer's life, in yuan
    explanation: str
    # What it takes off the applicant's own price (interest, fee or premium) over the offer's life.
    cost_relief: Decimal = Decimal(0)

    def as_contract(self) -> dict:
        """One entry of an offer's `policy_support` (contract: programme, kind, amount, explanation)."""
        return {
            "programme": self.programme.id,
            "kind": self.programme.kind,
            "amount": str(self.amount),
            "explanation": self.explanation,
        }


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def _capped(value: Decimal, cap: Decimal | None) -> Decimal:
    return value if cap is None else min(value, cap)


def _years(deal: Deal, limit: int | None) -> Decimal:
    return deal.term_years if limit is None else min(deal.term_years, Decimal(limit))


def _place(programme: Programme) -> str:
    if programme.region_code is None:
        return gettext("nationwide")
    return gettext("in %(region)s") % {"region": programme.region_name}


def _borrower(programme: Programme, deal: Deal, *, first_loan_counts: bool) -> str:
    first = deal.first_loan and (first_loan_counts or programme.first_loan_only)
    tech_sme = programme.requires_tech_sme
    if first and tech_sme:
        return gettext("first loan of a tech SME")
    if first:
        return gettext("first loan")
    if tech_sme:
        return gettext("loan of a tech SME")
    return gettext("loan")


def _cap_words(cap: Decimal | None) -> str:
    return gettext(", ≤ %(cap)s a year") % {"cap": wan(cap)} if cap is not None else ""


def interest_subsidy(programme: Programme, deal: Deal) -> Support:
    p = read(programme.parameters)
    first = deal.first_loan
    interest = deal.amount * (deal.annual_rate or Decimal(0))
    if p["mode"] == "points":
        points = p["first_loan_points"] if first else p["points"]
        yearly = min(deal.amount * points, interest)
        head = gettext("%(points)s points of interest a year") % {"points": percent(points)}
    else:
        share = p["first_loan_share"] if first else p["share"]
        yearly = interest * share
        head = gettext("%(share)s of interest") % {"share": percent(share)}
    yearly = _capped(yearly, p["cap_per_year"])
    total = _money(_capped(yearly * _years(deal, p["max_years"]), p["cap_total"]))
    words = gettext("%(head)s: %(who)s %(where)s%(cap)s") % {
        "head": head,
        "who": _borrower(programme, deal, first_loan_counts=True),
        "where": _place(programme),
        "cap": _cap_words(p["cap_per_year"]),
    }
    if p["max_years"] is not None:
        words += gettext(", for at most %(years)s years") % {"years": p["max_years"]}
    if deal.annual_rate is None:
        words += gettext(" (the amount follows once the rate is known)")
    return Support(programme, total, words, cost_relief=total)


def guarantee_fee_subsidy(programme: Programme, deal: Deal) -> Support:
    p = read(programme.parameters)
    yearly = _capped(deal.amount * (deal.annual_rate or Decimal(0)) * p["share"], p["cap_per_year"])
    total = _money(yearly * deal.term_years)
    words = gettext("%(share)s of the guarantee fee %(where)s%(cap)s") % {
        "share": percent(p["share"]),
        "where": _place(programme),
        "cap": _cap_words(p["cap_per_year"]),
    }
    return Support(programme, total, words, cost_relief=total)


def insurance_premium_subsidy(programme: Programme, deal: Deal) -> Support:
    p = read(programme.parameters)
    rate = deal.annual_rate or Decimal(0)
    if p["max_premium_rate"] is not None:
        rate = min(rate, p["max_premium_rate"])
    total = _money(deal.amount * rate * p["share"] * _years(deal, p["max_years"]))
    words = gettext("%(share)s of the premium %(where)s") % {
        "share": percent(p["share"]),
        "where": _place(programme),
    }
    if p["max_premium_rate"] is not None:
        words += gettext(", on a premium rate of at most %(rate)s") % {"rate": percent(p["max_premium_rate"])}
    if p["max_years"] is not None:
        words += gettext(", for at most %(years)s years") % {"years": p["max_years"]}
    return Support(programme, total, words, cost_relief=total)


def risk_compensation(programme: Programme, deal: Deal) -> Support:
    p = read(programme.parameters)
    share = p["share"] + (p["first_loan_bonus"] if deal.first_loan else Decimal(0))
    cover = _money(_capped(deal.amount * min(share, Decimal(1)), p["cap_per_loan"]))
    words = gettext(
        "The risk pool %(where)s bears %(share)s of a principal loss on this %(who)s, for %(years)s years"
    ) % {
        "where": _place(programme),
        "share": percent(share),
        "who": _borrower(programme, deal, first_loan_counts=bool(p["first_loan_bonus"])),
        "years": p["cover_years"],
    }
    if p["cap_per_loan"] is not None:
        words += gettext(", at most %(cap)s a loan") % {"cap": wan(p["cap_per_loan"])}
    return Support(programme, cover, words)


def relending(programme: Programme, deal: Deal) -> Support:
    p = read(programme.parameters)
    refinanced = _money(deal.amount * p["share"])
    words = gettext(
        "The central bank can refinance %(share)s of the principal (%(amount)s) at %(rate)s a year for "
        "%(years)s year(s) at a time"
    ) % {
        "share": percent(p["share"]),
        "amount": wan(refinanced),
        "rate": percent(p["rate"]),
        "years": p["term_years"],
    }
    return Support(programme, refinanced, words)


BY_KIND: dict[str, Callable[[Programme, Deal], Support]] = {
    ProgrammeKind.INTEREST_SUBSIDY: interest_subsidy,
    ProgrammeKind.GUARANTEE_FEE_SUBSIDY: guarantee_fee_subsidy,
    ProgrammeKind.INSURANCE_PREMIUM_SUBSIDY: insurance_premium_subsidy,
    ProgrammeKind.RISK_COMPENSATION: risk_compensation,
    ProgrammeKind.RELENDING: relending,
}


def support_for(programme: Programme, deal: Deal) -> Support | None:
    """The programme's support for the deal, or None when the deal does not qualify."""
    return BY_KIND[programme.kind](programme, deal) if qualifies(programme, deal) else None


def supports(programmes: Iterable[Programme], deal: Deal) -> list[Support]:
    """Every programme the deal qualifies for, with its support, in the programmes' order."""
    return [s for s in (support_for(p, deal) for p in programmes) if s is not None]


def net_annual_rate(deal: Deal, found: Iterable[Support]) -> Decimal | None:
    """The deal's yearly rate (interest, fee or premium) less what the subsidies take off it, averaged over
    the offer's life; None when the offer has no rate (equity)."""
    if deal.annual_rate is None or deal.amount <= 0:
        return None
    relief = sum((s.cost_relief for s in found), Decimal(0))
    net = deal.annual_rate - relief / (deal.amount * deal.term_years)
    return max(net, Decimal(0)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class StoredSupport:
    """One entry of an offer's stored `policy_support`, as pages show it."""

    kind: str
    label: str
    amount: Decimal | None
    explanation: str


def stored_supports(stored) -> list[StoredSupport]:
    """An offer's `policy_support` (as stored) for display; entries that are not well-formed are left out."""
    lines = []
    for entry in stored if isinstance(stored, list) else []:
        if not isinstance(entry, dict):
            continue
        kind = str(entry.get("kind", ""))
        try:
            amount: Decimal | None = Decimal(str(entry.get("amount")))
        except (InvalidOperation, ValueError):
            amount = None
        lines.append(
            StoredSupport(kind, label_of(ProgrammeKind, kind), amount, str(entry.get("explanation", "")))
        )
    return lines


def claim_cap(
    programme: Programme, *, loss: Decimal, first_loan: bool, other_public: Decimal = Decimal(0)
) -> Decimal:
    """What a risk pool pays on a principal loss (DESIGN §10): its share of the loss (+ the first-loan
    bonus), at most its cap per loan, and never so much that all public compensation of the loss together
    exceeds `public_total_cap` of it (`other_public`: what other programmes pay on the same loss)."""
    p = read(programme.parameters)
    share = min(p["share"] + (p["first_loan_bonus"] if first_loan else Decimal(0)), Decimal(1))
    cap = _capped(loss * share, p["cap_per_loan"])
    public_room = max(loss * p["public_total_cap"] - other_public, Decimal(0))
    return _money(min(cap, public_room))
