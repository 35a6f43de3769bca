"""How the history's parties behave: institutions that differ in speed and appetite, coordinators that
differ in pace. A profile belongs to the party (drawn from its credit code, the same every day), so that
its record — response time, offer rate, decline reasons — reads as a character, not as noise."""

from __future__ import annotations

import random
from dataclasses import dataclass

from coordination.choices import DeclineReason

from ..seed.blocks import DEMO_BANK, DEMO_BANK_2, DEMO_GUARANTOR, DEMO_INSURER, DEMO_VC, SEED

R = DeclineReason


@dataclass(frozen=True)
class InstitutionProfile:
    style: str
    open_days: float  # typical calendar days from a referral's arrival to its opening
    decide_days: float  # typical days from opening to an offer or a decline
    silence: float  # chance a referral is never answered (the deadline sweep expires it)
    appetite: float  # chance an answered referral gets an offer
    asks_info: float  # chance the institution asks the applicant something before deciding
    rate_position: tuple[float, float]  # where in the product's rate range its offers sit (0 cheapest)
    share_offered: tuple[float, float]  # share of the tranche it offers
    validity_days: tuple[int, int]
    fund_days: float  # typical days from approval to disbursement
    withdraws_offer: float  # chance an open offer is taken back before the applicant decides
    decline_reasons: tuple[tuple[str, int], ...]

    def lag(self, rng: random.Random, typical: float) -> float:
        """Days until it acts: around `typical`, never instant, sometimes much later."""
        return typical * rng.uniform(0.3, 1.7) + rng.uniform(0.05, 0.3)


FAST_GENEROUS = InstitutionProfile(
    style="fast, generous",
    open_days=0.4,
    decide_days=1.2,
    silence=0.02,
    appetite=0.78,
    asks_info=0.05,
    rate_position=(0.0, 0.35),
    share_offered=(0.9, 1.0),
    validity_days=(30, 60),
    fund_days=2,
    withdraws_offer=0.0,
    decline_reasons=((R.TERMS_MISMATCH, 3), (R.INCOMPLETE_DOCUMENTS, 3), (R.NO_CAPACITY, 1), (R.OTHER, 1)),
)
FAST_CHOOSY = InstitutionProfile(
    style="fast, choosy",
    open_days=0.6,
    decide_days=1.8,
    silence=0.03,
    appetite=0.3,
    asks_info=0.1,
    rate_position=(0.5, 1.0),
    share_offered=(0.6, 0.9),
    validity_days=(20, 40),
    fund_days=3,
    withdraws_offer=0.03,
    decline_reasons=(
        (R.OUTSIDE_APPETITE, 5),
        (R.INSUFFICIENT_CREDIT, 4),
        (R.TERMS_MISMATCH, 2),
        (R.INCOMPLETE_DOCUMENTS, 1),
    ),
)
STEADY = InstitutionProfile(
    style="steady",
    open_days=2.0,
    decide_days=3.5,
    silence=0.08,
    appetite=0.5,
    asks_info=0.12,
    rate_position=(0.2, 0.7),
    share_offered=(0.8, 1.0),
    validity_days=(30, 45),
    fund_days=4,
    withdraws_offer=0.02,
    decline_reasons=(
        (R.OUTSIDE_APPETITE, 3),
        (R.INSUFFICIENT_CREDIT, 2),
        (R.TERMS_MISMATCH, 2),
        (R.INCOMPLETE_DOCUMENTS, 2),
        (R.OTHER, 1),
    ),
)
SLOW_GENEROUS = InstitutionProfile(
    style="slow, generous",
    open_days=4.0,
    decide_days=6.0,
    silence=0.18,
    appetite=0.65,
    asks_info=0.15,
    rate_position=(0.1, 0.5),
    share_offered=(0.85, 1.0),
    validity_days=(30, 60),
    fund_days=7,
    withdraws_offer=0.02,
    decline_reasons=((R.INCOMPLETE_DOCUMENTS, 3), (R.NO_CAPACITY, 2), (R.TERMS_MISMATCH, 2), (R.OTHER, 1)),
)
SLOW_CHOOSY = InstitutionProfile(
    style="slow, choosy",
    open_days=5.0,
    decide_days=7.5,
    silence=0.3,
    appetite=0.2,
    asks_info=0.2,
    rate_position=(0.6, 1.0),
    share_offered=(0.5, 0.85),
    validity_days=(15, 30),
    fund_days=9,
    withdraws_offer=0.04,
    decline_reasons=(
        (R.OUTSIDE_APPETITE, 5),
        (R.INSUFFICIENT_CREDIT, 5),
        (R.TERMS_MISMATCH, 1),
        (R.OTHER, 1),
    ),
)
PROFILES = (FAST_GENEROUS, FAST_CHOOSY, STEADY, SLOW_GENEROUS, SLOW_CHOOSY)
PROFILE_WEIGHTS = (2, 2, 3, 2, 2)

# The demo logins' institutions keep one character each: demo-bank is the quick yes the journey
# counts on (its record must not push it out of the matcher's proposal).
ANCHOR_PROFILES: dict[int, InstitutionProfile] = {
    DEMO_BANK: FAST_GENEROUS,
    DEMO_BANK_2: STEADY,
    DEMO_VC: FAST_CHOOSY,
    DEMO_INSURER: SLOW_GENEROUS,
    DEMO_GUARANTOR: STEADY,
}


def institution_profile(credit_code: str, anchor_index: int | None) -> InstitutionProfile:
    if anchor_index in ANCHOR_PROFILES:
        return ANCHOR_PROFILES[anchor_index]
    rng = random.Random(f"{SEED}:history-institution:{credit_code}")
    return rng.choices(PROFILES, PROFILE_WEIGHTS)[0]


@dataclass(frozen=True)
class CoordinatorProfile:
    triage_days: float
    approve_days: float
    close_days: float
    rejects: float  # share of first triages rejected
    asks_info: float  # share of first triages sent back to the applicant

    def lag(self, rng: random.Random, typical: float) -> float:
        return typical * rng.uniform(0.4, 1.6) + rng.uniform(0.05, 0.2)


# Shanghai's bureau works its own queue; the national desk takes Beijing, Shenzhen and the escalations.
REGIONAL = CoordinatorProfile(triage_days=1.6, approve_days=1.5, close_days=20, rejects=0.07, asks_info=0.06)
NATIONAL = CoordinatorProfile(triage_days=2.4, approve_days=2.2, close_days=30, rejects=0.09, asks_info=0.05)
