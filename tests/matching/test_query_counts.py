"""The matcher reads a fixed number of queries, whatever the catalogue holds."""

from decimal import Decimal

import pytest
from django.db import connection

from coordination.matching.proposal import proposal_for_coordinator, propose
from coordination.models import Referral
from tests.factories_policy import ProgrammeFactory

pytestmark = pytest.mark.django_db

# Context (its credit, pilot zone and first loan; its fields; the request's referrals; the policy programmes
# in force with their fields and the re-lending terms; the institutions serving its region; the enterprise
# and its region come with the request, as routing's locked request has them) and open tranches, sent as
# one on PostgreSQL; eligible products; the candidate institutions' history.
PROPOSE_QUERIES = 3 if connection.vendor == "postgresql" else 8
# With programmes in force: none more (their fields and the re-lending terms come with them, the first-loan
# check and the scores by model version, which a programme's minimum reads, with the enterprise's credit).
PROGRAMME_QUERIES = 0


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


@pytest.mark.parametrize("programmes", [1, 6])
def test_propose_queries_do_not_grow_with_the_programmes_in_force(
    market, django_assert_num_queries, programmes
):
    """Given programmes in force for the enterprise, one of them with a minimum credit, then the matcher
    reads no more queries, however many programmes there are."""
    request = _request_with_history(market, _catalogue(market, 5))
    ProgrammeFactory(min_credit_score=Decimal("60"), min_credit_version="2.0", fields=[market.ai])
    for _ in range(programmes - 1):
        ProgrammeFactory(kind="risk_compensation", region=market.shanghai, fields=[market.ai])
    with django_assert_num_queries(PROPOSE_QUERIES + PROGRAMME_QUERIES):
        propose(request)


@pytest.mark.parametrize("size", [5, 50])
def test_coordinator_proposal_queries_do_not_grow_with_the_catalogue(market, django_assert_num_queries, size):
    request = _request_with_history(market, _catalogue(market, size))
    with django_assert_num_queries(PROPOSE_QUERIES):
        proposal = proposal_for_coordinator(request)
    assert not proposal.uncovered
    assert len(proposal.tranches[0].candidates) > (2 if size == 5 else 20)
