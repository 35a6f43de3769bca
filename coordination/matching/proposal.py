"""Placeholder ranking until the matcher lands: every eligible product, unscored."""

from django.utils import timezone

from lenders.models import Product

from ..models import FinancingRequest, Tranche
from .candidates import Candidate
from .eligibility import ineligibility_reasons


def candidate_for(product: Product, tranche: Tranche, request: FinancingRequest) -> Candidate:
    return Candidate(product=product)


def propose(request: FinancingRequest) -> dict[Tranche, list[Candidate]]:
    today = timezone.localdate()
    proposal = {}
    for tranche in request.tranches.filter(accepted_offer__isnull=True):
        products = Product.objects.filter(instrument=tranche.instrument, is_active=True).select_related(
            "institution"
        )
        proposal[tranche] = [
            candidate_for(p, tranche, request)
            for p in products
            if not ineligibility_reasons(p, tranche, request, today=today)
        ]
    return proposal
