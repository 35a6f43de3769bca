"""The routing policy: the top few per kind, one product per institution, capacity, fair ties, re-routing."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from coordination.matching.proposal import proposal_for_coordinator, propose
from coordination.models import Referral, TransitionEvent
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

from .conftest import ranked

pytestmark = pytest.mark.django_db


def _proposed(request, position=1):
    result = {t.position: candidates for t, candidates in propose(request).items()}
    return [c.product for c in result[position]]


def _banks(market, count, **kwargs):
    """`count` banks with one credit-loan product each; earlier ones fit the amount better."""
    products = []
    for index in range(count):
        products.append(
            market.product(
                market.institution(name=f"Bank {index}"),
                min_amount=Decimal("300000") * (index + 1),
                max_amount=Decimal("30000000"),
                **kwargs,
            )
        )
    return products


def test_top_three_banks_of_five(market):
    products = _banks(market, 5)
    request = market.request()
    assert _proposed(request) == products[:3]
    candidates = ranked(request)
    assert [c.product for c in candidates] == products
    assert [c.selected for c in candidates] == [True, True, True, False, False]
    assert "beyond the 3 banks" in candidates[3].note


@pytest.mark.parametrize(
    ("kind", "instrument", "limit"),
    [
        ("insurer", "rd_insurance", 2),
        ("vc", "equity", 3),
        ("guarantor", "guarantee", 2),
        ("bank", "credit_loan", 3),
    ],
)
def test_limits_per_institution_kind(market, kind, instrument, limit):
    for index in range(5):
        market.product(market.institution(kind=kind, name=f"{kind} {index}"), instrument=instrument)
    request = market.request(((instrument, "3000000"),))
    assert len(_proposed(request)) == limit


def test_limits_are_configurable(market, settings):
    settings.MATCHING_ROUTE_LIMITS = {"bank": 1}
    _banks(market, 3)
    assert len(_proposed(market.request())) == 1


def test_at_most_one_product_per_institution(market):
    bank = market.institution(name="Big bank")
    best = market.product(bank, min_amount=Decimal("300000"), max_amount=Decimal("30000000"), name="best")
    market.product(bank, min_amount=Decimal("3000000"), max_amount=Decimal("30000000"), name="second")
    other = market.product(market.institution(name="Other"), min_amount=Decimal("3000000"))
    assert _proposed(market.request()) == [best, other]
    second = next(c for c in ranked(market.request()) if c.product.name == "second")
    assert not second.selected and "same institution" in second.note


def test_capacity_is_shared_between_tranches_of_one_request(market):
    product = market.product(yearly_capacity=Decimal("5000000"))
    request = market.request((("credit_loan", "3000000"), ("credit_loan", "2500000")))
    proposal = proposal_for_coordinator(request)
    first, second = proposal.tranches
    assert [c.product for c in first.selected] == [product]
    assert second.selected == [] and "capacity" in second.candidates[0].note
    assert "capacity left for the whole package" in second.report


def test_ties_go_to_the_institution_with_fewer_referrals_waiting(market):
    busy, idle = _banks(market, 1)[0], None
    idle = market.product(
        market.institution(name="Idle"), min_amount=busy.min_amount, max_amount=busy.max_amount
    )
    other = f.EnterpriseFactory(region=market.pudong, members=[market.user])
    for _ in range(2):
        waiting = f.draft_request(user=market.user, enterprise=other, documents=False)
        Referral.objects.create(
            tranche=waiting.tranches.get(), request=waiting, product=busy, institution=busy.institution
        )
    candidates = ranked(market.request())
    assert candidates[0].score == candidates[1].score
    assert [c.product for c in candidates] == [idle, busy]


def test_ties_are_drawn_fairly_across_requests(market, settings):
    settings.MATCHING_ROUTE_LIMITS = {"bank": 1}
    first, second = _banks(market, 1)[0], None
    second = market.product(
        market.institution(name="Twin"), min_amount=first.min_amount, max_amount=first.max_amount
    )
    winners = {_proposed(market.request())[0].pk for _ in range(12)}
    assert winners == {first.pk, second.pk}
    # …and the draw is stable for one request.
    request = market.request()
    assert len({_proposed(request)[0].pk for _ in range(3)}) == 1


def test_an_uncovered_tranche_is_reported_plainly(market):
    market.product()
    market.product(market.institution(kind="vc"), instrument="equity", min_amount=Decimal("50000000"))
    market.product(market.institution(kind="vc"), instrument="equity", is_active=False)
    request = market.request((("credit_loan", "3000000"), ("equity", "2000000")))
    proposal = proposal_for_coordinator(request)
    assert len(proposal.uncovered) == 1
    report = proposal.uncovered[0]
    assert report.startswith("No product covers tranche 2 (Equity investment, 2,000,000 yuan")
    assert (
        "Of 2 equity investment products, still in after each filter: active today 1 → "
        "amount 2,000,000 yuan (200万元) 0. The filter that leaves none: amount 2,000,000 yuan" in report
    )
    request = market.request((("guarantee", "1000000"),))
    assert "no guarantee product at all" in proposal_for_coordinator(request).uncovered[0]


def _triage(market, request):
    from tests.factories import attach_required_documents

    attach_required_documents(request, market.user)
    request = rq.submit_request(request_id=request.pk, user=market.user)
    assert request.status == "triage", request.screening
    return request


def test_rerouting_after_declines_goes_to_the_next_candidates_never_back(market):
    coordinator = f.coordinator("coord", regions=[market.shanghai])
    products = _banks(market, 5)
    request = _triage(market, market.request())
    request = routing.route_request(request_id=request.pk, user=coordinator)
    first_round = {r.institution_id: r for r in request.referrals.all()}
    assert set(first_round) == {p.institution_id for p in products[:3]}
    referral = next(iter(first_round.values()))
    assert referral.explanation and referral.score > 0  # stored on the referral
    for referral in first_round.values():
        user = f.UserFactory()
        referral.institution.members.add(user)
        rs.decline_referral(referral_id=referral.pk, user=user, reason_code="outside_appetite")
    request.refresh_from_db()
    assert request.status == "triage" and request.needs_rerouting
    assert _proposed(request) == products[3:]
    request = routing.route_request(request_id=request.pk, user=coordinator)
    assert {r.institution_id for r in request.referrals.filter(status="sent")} == {
        p.institution_id for p in products[3:]
    }


def test_rerouting_tops_a_tranche_up_without_doubling_it(market):
    products = _banks(market, 5)
    request = market.request()
    tranche = request.tranches.get()
    for product, status in zip(products[:3], ["sent", "reviewing", "expired"], strict=True):
        Referral.objects.create(
            tranche=tranche, request=request, product=product, institution=product.institution, status=status
        )
    # Two still wait, so one more bank is proposed: the best one that has not had the tranche.
    assert _proposed(request) == [products[3]]


def test_coordinator_edits_are_audited_as_added_and_removed(market):
    coordinator = f.coordinator("coord", regions=[market.shanghai])
    products = _banks(market, 4)
    request = _triage(market, market.request())
    chosen = [products[0].pk, products[3].pk]
    routing.route_request(request_id=request.pk, user=coordinator, product_ids=chosen)
    event = TransitionEvent.objects.get(request=request, object_type="financing_request", action="route")
    assert event.data["edited_by_coordinator"] is True
    assert event.data["added"] == [products[3].pk]
    assert event.data["removed"] == sorted([products[1].pk, products[2].pk])
    referral = request.referrals.get(product=products[3])
    assert referral.explanation[0]["factor"] == "amount_fit" and referral.score > 0


def test_unedited_routing_records_no_edits(market):
    coordinator = f.coordinator("coord", regions=[market.shanghai])
    _banks(market, 2)
    request = _triage(market, market.request())
    routing.route_request(request_id=request.pk, user=coordinator)
    event = TransitionEvent.objects.get(request=request, object_type="financing_request", action="route")
    assert event.data["edited_by_coordinator"] is False
    assert event.data["added"] == [] and event.data["removed"] == []


def test_proposal_table_template_shows_ranked_candidates_with_explanations(market):
    products = _banks(market, 4)
    request = market.request((("credit_loan", "3000000"), ("equity", "2000000")))
    proposal = proposal_for_coordinator(request)
    html = render_to_string(
        "admin/coordination/proposal_table.html", {"proposal": proposal, "checkbox_name": "products"}
    )
    for product in products:
        assert product.institution.name in html
    assert html.count('name="products"') == 4 and html.count("checked") == 3
    assert "Amount fits the product&#x27;s range" in html
    assert "No product covers tranche 2" in html
    plain = render_to_string("admin/coordination/proposal_table.html", {"proposal": proposal})
    assert 'type="checkbox"' not in plain


def test_referral_explanation_template(market):
    candidate = ranked(market.request())[0] if _banks(market, 1) else None
    html = render_to_string(
        "admin/coordination/referral_explanation.html",
        {"explanation": candidate.explanation, "score": candidate.score},
    )
    assert "Innovation credit" in html and str(candidate.score) in html
