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
from ..policies.support import net_annual_rate, supports


def deal_of(offer: Offer, *, day: date, needs_facts: bool = True) -> Deal:
    """The offer as the programmes read it (selectors.offer_deal) on the day it is made."""
    return selectors.offer_deal(offer, day=day, needs_facts=needs_facts)


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
