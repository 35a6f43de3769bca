"""The indicators' contract codes (DESIGN §11), each with its label and definition, in the reader's
language, wherever it is shown (page, exports, report, API)."""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Unit(StrEnum):
    COUNT = "count"
    YUAN = "yuan"
    SHARE = "share"
    RATE = "rate"
    BUSINESS_DAYS = "business_days"


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise
    definition: Promise
    unit: Unit


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "requests_submitted",
        _("Requests submitted"),
        _("Financing requests submitted in the period."),
        Unit.COUNT,
    ),
    Indicator(
        "funded_amount",
        _("Amount funded"),
        _("Sum of the funding recorded in the period, in yuan."),
        Unit.YUAN,
    ),
    Indicator(
        "funded_enterprises",
        _("Enterprises funded"),
        _("Distinct enterprises with funding recorded in the period."),
        Unit.COUNT,
    ),
    Indicator(
        "invest_early_share",
        _("Invest early"),
        _(
            "Share of the amount funded that went to start-up-stage enterprises or to enterprises founded "
            "less than 5 years before the funding."
        ),
        Unit.SHARE,
    ),
    Indicator(
        "invest_small_share",
        _("Invest small"),
        _(
            "Share of the amount funded that went to small or micro enterprises (MIIT 2011 size class, "
            "from the latest yearly financials up to the year of the funding)."
        ),
        Unit.SHARE,
    ),
    Indicator(
        "invest_long_share",
        _("Invest long-term"),
        _("Share of the amount funded in loans of 36 months or more, or in equity."),
        Unit.SHARE,
    ),
    Indicator(
        "hard_tech_share",
        _("Invest in hard technology"),
        _("Share of the amount funded that went to enterprises with a hard-technology field."),
        Unit.SHARE,
    ),
    Indicator(
        "first_loan_share",
        _("First loans"),
        _(
            "Share of the loans funded in the period that are the enterprise's first loan funded through "
            "the mechanism (首贷)."
        ),
        Unit.SHARE,
    ),
    Indicator(
        "credit_loan_share",
        _("Credit loans"),
        _("Share of the loan amount funded in the period that is unsecured credit loans."),
        Unit.SHARE,
    ),
    Indicator(
        "avg_rate",
        _("Average loan rate"),
        _(
            "Amount-weighted annual rate of the loans funded in the period, as offered (net of interest "
            "subsidy once policy programmes are recorded)."
        ),
        Unit.RATE,
    ),
    Indicator(
        "median_days_to_first_offer",
        _("Days to first offer"),
        _(
            "Median business days from submission to the first offer, over requests whose first offer was "
            "made in the period (90th percentile beside it)."
        ),
        Unit.BUSINESS_DAYS,
    ),
    Indicator(
        "median_days_to_funding",
        _("Days to funding"),
        _(
            "Median business days from submission to the first funding, over requests first funded in the "
            "period (90th percentile beside it)."
        ),
        Unit.BUSINESS_DAYS,
    ),
    Indicator(
        "response_within_deadline_share",
        _("Answered within deadline"),
        _(
            "Share of the referrals answered in the period (offer or decline) that were answered before "
            "their review deadline."
        ),
        Unit.SHARE,
    ),
    Indicator(
        "offer_rate",
        _("Offer rate"),
        _("Share of the referrals answered in the period that were answered with an offer."),
        Unit.SHARE,
    ),
    Indicator(
        "tech_sme_loan_share",
        _("Tech SMEs with a loan"),
        _(
            "Registered technology-based SMEs in scope with a loan funded in the period, over all "
            "registered technology-based SMEs in scope (the central bank's 获贷率)."
        ),
        Unit.SHARE,
    ),
)

INDICATOR_CODES: tuple[str, ...] = tuple(indicator.code for indicator in INDICATORS)

FUNNEL_STEPS: tuple[tuple[str, Promise], ...] = (
    ("submitted", _("Submitted")),
    ("triage", _("Reached triage")),
    ("routed", _("Routed")),
    ("offered", _("Offered")),
    ("accepted", _("Offer accepted")),
    ("funded", _("Funded")),
)

FUNNEL_DEFINITION = _(
    "Requests submitted in the period, and how many of them have reached each later step since."
)
