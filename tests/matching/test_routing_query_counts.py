"""Routing reads and writes in a fixed number of queries, whatever the number of candidates it routes to."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination.services import financing_requests as rq
from coordination.services import routing
from tests import factories as f

pytestmark = pytest.mark.django_db


def _add_banks(market, count, start):
    """`count` more banks, each with one credit-loan product every test request fits."""
    return [
        market.product(
            market.institution(name=f"Bank {index}"),
            min_amount=Decimal("300000"),
            max_amount=Decimal("30000000"),
            regions=[market.pudong] if index % 2 else [],
            fields=[market.ai] if index % 3 else [],
        )
        for index in range(start, start + count)
    ]


def _queries_to_route(market, coordinator, product_ids=None):
    """A fresh request in triage (a credit loan and an equity tranche), routed: (queries, referrals)."""
    request = market.request((("credit_loan", "3000000"), ("equity", "2000000")))
    f.attach_required_documents(request, market.user)
    request = rq.submit_request(request_id=request.pk, user=market.user)
    assert request.status == "triage", request.screening
    with CaptureQueriesContext(connection) as queries:
        routed = routing.route_request(request_id=request.pk, user=coordinator, product_ids=product_ids)
    return len(queries), routed.referrals.count()


@pytest.mark.parametrize("by_coordinator", [False, True], ids=["matcher's proposal", "coordinator's list"])
def test_routing_queries_do_not_grow_with_the_products_routed_to(market, settings, by_coordinator):
    """Given a market of 2 eligible banks and a VC, then of 8 banks and the VC (the matcher may take all),
    when a request is routed to the matcher's proposal or to the coordinator's list of every product,
    then both routings run the same number of queries, though one writes 3 referrals and the other 9."""
    settings.MATCHING_ROUTE_LIMITS = {"bank": 8}
    market.score("70")
    coordinator = f.coordinator("coord", regions=[market.shanghai])
    vc = market.product(market.institution(kind="vc", name="VC"), instrument="equity")
    banks = _add_banks(market, 2, start=0)

    def chosen():
        return [vc.pk, *(bank.pk for bank in banks)] if by_coordinator else None

    few, few_referrals = _queries_to_route(market, coordinator, chosen())
    banks += _add_banks(market, 6, start=2)
    many, many_referrals = _queries_to_route(market, coordinator, chosen())

    assert (few_referrals, many_referrals) == (3, 9)
    assert few == many
