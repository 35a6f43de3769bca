"""An offer's policy support (DESIGN §10): computed once, when the offer is made, and stored on it.

`policy_support` lists each programme in force that the offer qualifies for, with the expected support
over the offer's life and why; `net_annual_rate` is the offer's yearly rate (interest, fee or premium) after
the subsidies that lower it. Both stay as they were computed: a programme published later does not rewrite
an offer already made.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from .. import selectors
from ..models import Offer
from ..policies.deal import Deal
from ..policies.eligibility import on_relending_list, registered_tech_sme
from ..policies.support import net_annual_rate, supports


def deal_of(offer: Offer, *, day: date, needs_facts: bool = True) -> Deal:
    """The offer as the programmes read it; `offer.referral` with its institution and tranche, and the
    request with its enterprise and region, are read by the caller (the locks load them). Without
    `needs_facts` (no programme in force) the enterprise's fields, credits and loans are not read."""
    referral, request = offer.referral, offer.request
    enterprise = request.enterprise
    return Deal(
        day=day,
        instrument=referral.tranche.instrument,
        amount=offer.amount,
        term_months=offer.term_months or request.term_months,
        annual_rate=offer.annual_rate,
        region_code=enterprise.region.code,
        stage=enterprise.stage,
        field_ids=selectors.enterprise_field_ids(enterprise) if needs_facts else frozenset(),
        tech_sme=registered_tech_sme(enterprise),
        on_relending_list=on_relending_list(enterprise, day),
        relending_bank=referral.institution.relending_eligible,
        first_loan=needs_facts and selectors.is_first_loan(enterprise.pk, besides=referral.tranche_id),
        credits=selectors.credits_by_version(enterprise.pk) if needs_facts else {},
    )


def attach_policy_support(offer: Offer) -> Offer:
    """Compute and store the offer's policy support and net yearly rate (inside the offer's transaction)."""
    day = timezone.localdate()
    programmes = selectors.programmes_in_force(day, offer.request.enterprise.region.code)
    deal = deal_of(offer, day=day, needs_facts=bool(programmes))
    found = supports(programmes, deal)
    offer.policy_support = [support.as_contract() for support in found]
    offer.net_annual_rate = net_annual_rate(deal, found)
    offer.save(update_fields=["policy_support", "net_annual_rate"])
    return offer
