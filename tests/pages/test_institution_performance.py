"""/institution/performance/ (DESIGN §5, §9): the institution's response time and offer rate by field
against the median of its peers of the same kind — the figures and points the matcher scores, from the
matcher's own function; institution members only (anyone else: 404)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination.matching.context import institution_history
from coordination.matching.proposal import candidate_for
from coordination.models import FinancingRequest, Referral
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _routed(world) -> FinancingRequest:
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    # The referrals came in some days ago: the institutions' response times are days, not milliseconds.
    Referral.objects.filter(request=request).update(created_at=timezone.now() - timedelta(days=3))
    return request


def _offer(referral: Referral, user) -> None:
    rs.open_referral(referral_id=referral.pk, user=user)
    rs.make_offer(
        referral_id=referral.pk,
        user=user,
        amount=referral.tranche.amount,
        annual_rate=Decimal("0.031"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=20),
    )


@pytest.fixture
def history(world):
    """Enterprise A works in one field; four of its requests went to banks X and Y: X offered on three and
    declined one, Y declined three and offered on one."""
    field = f.TechFieldFactory(code="ic-design", name="芯片设计", hard_tech=True)
    world.enterprise_a.fields.set([field])
    for number in range(4):
        request = _routed(world)
        x = Referral.objects.get(request=request, institution=world.bank_x)
        y = Referral.objects.get(request=request, institution=world.bank_y)
        if number < 3:
            _offer(x, world.bank_x_user)
            rs.decline_referral(referral_id=y.pk, user=world.bank_y_user, reason_code="outside_appetite")
        else:
            rs.decline_referral(referral_id=x.pk, user=world.bank_x_user, reason_code="outside_appetite")
            _offer(y, world.bank_y_user)
    return field


def _performance(user):
    response = client_for(user).get(reverse("institution:performance"))
    assert response.status_code == 200
    (performance,) = response.context["performances"]
    return performance, response.content.decode()


def test_the_page_shows_the_figures_and_points_the_matcher_scores(world, history):
    """Given bank X's history in one field, when bank X opens its performance page and the matcher scores
    bank X's loan for a new request of an enterprise in that field, then the offer rate, the response
    time and the points of both factors on the page are the matcher's own."""
    performance, body = _performance(world.bank_x_user)
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    explanation = {
        row["factor"]: row for row in candidate_for(world.loan_x, request.tranches.get(), request).explanation
    }
    (in_field,) = performance.by_field
    assert in_field.field == history
    assert (in_field.decided, in_field.offered) == (4, 3)
    assert round(in_field.rate, 3) == explanation["offer_rate"]["value"] == 0.75
    assert in_field.points == explanation["offer_rate"]["points"]
    assert round(performance.response_days, 1) == explanation["response_time"]["value"]
    assert performance.response_points == explanation["response_time"]["points"]
    assert 2.9 < performance.response_days < 3.1
    # Bank Y, its one peer: one offer in four.
    assert in_field.peer_median == 0.25 and in_field.peers_judged == 1
    assert performance.peers == 1 and performance.peer_median_response_days is not None
    assert "75.00%" in body and "25.00%" in body and "芯片设计" in body


def test_each_field_shows_what_the_matcher_counts_in_that_field(world, history):
    """Given bank X's history, its enterprise in a second field too, and one more request in a third field
    only (bank X offered, bank Y declined), when bank X reads its page, then each field's figures are the
    matcher's history read for that one field, for bank X and for its peer."""
    second = f.TechFieldFactory(code="materials", name="新材料")
    world.enterprise_a.fields.add(second)
    third = f.TechFieldFactory(code="biotech", name="生物医药")
    world.enterprise_b.fields.set([third])
    f.FinancialsFactory(enterprise=world.enterprise_b, year=2024)
    request = f.draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
    rq.submit_request(request_id=request.pk, user=world.applicant_b)
    routing.route_request(
        request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    _offer(Referral.objects.get(request=request, institution=world.bank_x), world.bank_x_user)
    rs.decline_referral(
        referral_id=Referral.objects.get(request=request, institution=world.bank_y).pk,
        user=world.bank_y_user,
        reason_code="outside_appetite",
    )

    performance, _body = _performance(world.bank_x_user)

    assert {row.field for row in performance.by_field} == {history, second, third}
    for row in performance.by_field:
        records, _pending = institution_history([world.bank_x.pk, world.bank_y.pk], field_ids=[row.field.pk])
        own, peer = records[world.bank_x.pk], records[world.bank_y.pk]
        assert (row.decided, row.offered) == (own.decided_in_field, own.offered_in_field)
        expected_peer = peer.offered_in_field / peer.decided_in_field if peer.decided_in_field >= 3 else None
        assert row.peer_median == expected_peer
    counts = {row.field: (row.decided, row.offered) for row in performance.by_field}
    assert counts == {history: (4, 3), second: (4, 3), third: (1, 1)}


def test_too_few_decided_is_shown_as_the_matcher_counts_it(world):
    """Given bank X decided one referral, when it reads the page, then its rate is 'too few to judge' and
    earns half the factor's points, as in the match score."""
    request = _routed(world)
    _offer(Referral.objects.get(request=request, institution=world.bank_x), world.bank_x_user)
    performance, body = _performance(world.bank_x_user)
    assert performance.overall.rate is None and performance.overall.points == 5.0
    assert "too few to judge" in body


def test_each_bank_sees_only_its_own_institution(world, history):
    performance, body = _performance(world.bank_y_user)
    assert performance.institution == world.bank_y
    assert performance.by_field[0].rate == 0.25 and performance.by_field[0].peer_median == 0.75
    assert "Bank X" not in body


@pytest.mark.parametrize("who", ["applicant_a", "coordinator", "national"])
def test_anyone_but_an_institution_member_gets_a_404(world, who):
    response = client_for(getattr(world, who)).get(reverse("institution:performance"))
    assert response.status_code == 404


def test_a_peer_of_another_kind_is_not_a_peer(world, history):
    """Given an insurer and a VC, when bank X reads its page, then its peers are the one other bank."""
    performance, _body = _performance(world.bank_x_user)
    assert performance.peers == 1


def test_the_header_links_the_page_and_marks_it_current(world):
    """Given bank X on its performance page, then the header links it as the current page, and the
    referral queue's link is not marked current."""
    body = client_for(world.bank_x_user).get(reverse("institution:performance")).content.decode()
    assert 'href="/institution/performance/" aria-current="page"' in body
    assert 'href="/institution/" aria-current="page"' not in body
