"""The matcher reads a fixed number of queries, whatever the catalogue holds."""

from decimal import Decimal

import pytest

from coordination.matching.proposal import proposal_for_coordinator, propose
from coordination.models import Referral

pytestmark = pytest.mark.django_db

# Context (the enterprise and region; its credit, pilot zone and re-lending share; its fields; the
# request's referrals), open tranches, eligible products, the candidate institutions' history.
PROPOSE_QUERIES = 7


def _catalogue(market, size):
    """`size` products of banks and VCs, a third with regions, a third with fields, some history."""
    products = []
    for index in range(size):
        kind, instrument = ("vc", "equity") if index % 4 == 3 else ("bank", "credit_loan")
        regions = [market.shanghai] if index % 3 == 1 else []
        fields = [market.ai, market.chips] if index % 3 == 2 else []
        institution = market.institution(kind=kind, name=f"{kind} {index}", regions=regions)
        products.append(
            market.product(
                institution,
                instrument=instrument,
                min_amount=Decimal("100000") * (1 + index % 7),
                regions=[market.pudong] if index % 5 == 0 else [],
                fields=fields,
            )
        )
    return products


def _request_with_history(market, products):
    request = market.request((("credit_loan", "3000000"), ("equity", "2000000")))
    earlier = market.request()
    for product in products[:2]:
        if product.instrument == "credit_loan":
            Referral.objects.create(
                tranche=earlier.tranches.get(),
                request=earlier,
                product=product,
                institution=product.institution,
                status="declined",
            )
    market.score("65.5")
    return request


@pytest.mark.parametrize("size", [5, 50])
def test_propose_queries_do_not_grow_with_the_catalogue(market, django_assert_num_queries, size):
    request = _request_with_history(market, _catalogue(market, size))
    with django_assert_num_queries(PROPOSE_QUERIES):
        result = propose(request)
    assert all(result.values())  # every tranche has candidates at both sizes


@pytest.mark.parametrize("size", [5, 50])
def test_coordinator_proposal_queries_do_not_grow_with_the_catalogue(market, django_assert_num_queries, size):
    request = _request_with_history(market, _catalogue(market, size))
    with django_assert_num_queries(PROPOSE_QUERIES):
        proposal = proposal_for_coordinator(request)
    assert not proposal.uncovered
    assert len(proposal.tranches[0].candidates) > (2 if size == 5 else 20)
