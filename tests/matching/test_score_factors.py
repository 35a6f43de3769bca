"""Each score factor, and the explanation a coordinator reads."""

from datetime import timedelta
from decimal import Decimal

import pytest

from coordination.matching import fit, scoring
from coordination.matching.proposal import candidate_for
from coordination.models import Offer, Referral, TransitionEvent
from projects.models import CreditModel
from tests import factories as f
from tests.factories_policy import ProgrammeFactory

from .conftest import factor, ranked

pytestmark = pytest.mark.django_db


def _only(market, request, product):
    candidates = [c for c in ranked(request) if c.product.pk == product.pk]
    assert len(candidates) == 1
    return candidates[0]


def test_weights_add_up_to_one_hundred_and_points_to_the_score(market):
    assert sum(scoring.factor_weights().values()) == 100
    candidate = _only(market, market.request(), market.product())
    assert [line["factor"] for line in candidate.explanation] == list(scoring.DEFAULT_WEIGHTS)
    assert sum(Decimal(str(line["points"])) for line in candidate.explanation) == candidate.score
    for line in candidate.explanation:
        assert set(line) == {"factor", "label", "value", "weight", "points", "text"}
        assert 0 <= line["points"] <= line["weight"]
        assert line["text"] and line["label"]


def test_pure_helpers():
    assert fit.range_position(10, 1, 100, log=True) == pytest.approx(0.5)
    assert fit.range_position(24, 12, 36, log=False) == pytest.approx(0.5)
    assert fit.range_position(5, 5, 5, log=False) == 0.5
    assert fit.centred_fit(0.5) == 1 and fit.centred_fit(0) == 0.5 and fit.centred_fit(1) == 0.5
    assert scoring.yuan(Decimal("3000000")) == "3,000,000 yuan (300万元)"
    assert scoring.yuan(Decimal("5000")) == "5,000 yuan"
    assert [scoring.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]


def test_amount_fit_prefers_the_middle_of_the_range(market):
    request = market.request()  # 3 000 000
    centred = market.product(min_amount=Decimal("300000"), max_amount=Decimal("30000000"))
    edge = market.product(min_amount=Decimal("3000000"), max_amount=Decimal("30000000"))
    assert factor(_only(market, request, centred), "amount_fit")["points"] == 15
    line = factor(_only(market, request, edge), "amount_fit")
    assert line["points"] == 7.5 and line["value"] == 0
    assert "lower end" in line["text"] and "3,000,000 yuan" in line["text"]


def test_term_fit(market):
    request = market.request(term_months=24)
    middle = market.product(min_term_months=12, max_term_months=36)
    edge = market.product(min_term_months=24, max_term_months=60)
    assert factor(_only(market, request, middle), "term_fit")["points"] == 5
    assert factor(_only(market, request, edge), "term_fit")["points"] == 2.5


def test_innovation_credit(market):
    product = market.product()
    line = factor(_only(market, market.request(), product), "innovation_credit")
    assert line["points"] == 0 and line["value"] is None and "No innovation credit" in line["text"]
    market.score("80.00", percentile=Decimal("91.5"), cohort_size=120)
    line = factor(_only(market, market.request(), product), "innovation_credit")
    assert line["points"] == 16 and line["value"] == 80.0
    assert "model 2024-trial" in line["text"] and "91st percentile" in line["text"] and "120" in line["text"]


def test_hard_tech_field(market):
    request = market.request()
    aimed = market.product(fields=[market.ai])
    open_to_all = market.product()
    assert factor(_only(market, request, aimed), "hard_tech")["points"] == 10
    assert factor(_only(market, request, open_to_all), "hard_tech")["points"] == 6
    market.enterprise.fields.set([market.retail])
    line = factor(_only(market, market.request(), open_to_all), "hard_tech")
    assert line["points"] == 0 and "no hard-technology" in line["text"]


def test_major_task(market):
    product = market.product()
    national = f.MajorTaskFactory(lead_enterprise=market.enterprise, level="national", field=market.ai)
    provincial = f.MajorTaskFactory(lead_enterprise=market.enterprise, level="provincial", field=market.ai)
    assert factor(_only(market, market.request(major_task=national), product), "major_task")["points"] == 10
    assert factor(_only(market, market.request(major_task=provincial), product), "major_task")["points"] == 6
    assert factor(_only(market, market.request(), product), "major_task")["points"] == 0


def test_local_institution_in_a_pilot_zone(market):
    request = market.request()
    local = market.product(market.institution(regions=[market.shanghai]))
    nationwide = market.product()
    line = factor(_only(market, request, local), "local_pilot")
    assert line["points"] == 10 and "pilot zone" in line["text"]
    assert factor(_only(market, request, nationwide), "local_pilot")["points"] == 0
    market.shanghai.pilot_zone = False
    market.shanghai.save()
    assert factor(_only(market, market.request(), local), "local_pilot")["points"] == 5


def _history(market, product, outcomes, *, field, response_days=None):
    """Referrals of `product` on other enterprises' requests: 'offer' or 'decline' each."""
    other = f.EnterpriseFactory(region=market.haidian)
    other.fields.add(field)
    user = f.UserFactory()
    other.members.add(user)
    for outcome in outcomes:
        request = f.draft_request(user=user, enterprise=other, documents=False)
        tranche = request.tranches.get()
        referral = Referral.objects.create(
            tranche=tranche,
            request=request,
            product=product,
            institution=product.institution,
            status="offered" if outcome == "offer" else "declined",
        )
        if outcome == "offer":
            Offer.objects.create(
                referral=referral,
                tranche=tranche,
                request=request,
                amount=tranche.amount,
                valid_until=market.days(30),
                created_by=user,
            )
        if response_days is not None:
            TransitionEvent.objects.create(
                request=request,
                object_type="referral",
                object_id=referral.pk,
                action="open",
                from_status="sent",
                to_status="reviewing",
                actor_role="institution",
                created_at=referral.created_at + timedelta(days=response_days),
            )


def test_offer_rate_in_this_field(market):
    product = market.product()
    line = factor(_only(market, market.request(), product), "offer_rate")
    assert line["points"] == 5 and "too few" in line["text"]
    _history(market, product, ["offer", "offer", "decline"], field=market.ai)
    _history(market, product, ["decline"] * 5, field=market.retail)  # another field does not count
    line = factor(_only(market, market.request(), product), "offer_rate")
    assert line["points"] == pytest.approx(6.67) and line["value"] == pytest.approx(0.667)
    assert "2 of the 3" in line["text"]


def test_response_time(market):
    product = market.product()
    assert factor(_only(market, market.request(), product), "response_time")["points"] == 2.5
    _history(market, product, ["offer", "decline"], field=market.ai, response_days=4)
    line = factor(_only(market, market.request(), product), "response_time")
    assert line["value"] == pytest.approx(4.0) and line["points"] == pytest.approx(3.75)


def test_policy_support_relending(market):
    """Given the national re-lending facility, then a loan from an eligible bank to a listed enterprise
    gets the points with the share in words; another bank, or an enterprise off the list, none."""
    ProgrammeFactory(kind="relending", name="Sci-tech re-lending")
    eligible = market.product(market.institution(relending_eligible=True))
    other = market.product(market.institution(relending_eligible=False))
    request = market.request()
    line = factor(_only(market, request, eligible), "policy_support")
    assert line["points"] == 10 and line["value"] == ["relending"]
    assert "Sci-tech re-lending: " in line["text"] and "60.00%" in line["text"]
    assert factor(_only(market, request, other), "policy_support")["points"] == 0
    market.enterprise.tech_sme_registration_no = ""
    market.enterprise.save()
    line = factor(_only(market, market.request(), eligible), "policy_support")
    assert line["points"] == 0 and "No policy programme in force applies" in line["text"]


def test_policy_support_credit_linked_guarantee_programme(market):
    """Given a guarantee-fee subsidy for innovation credit of 60 or more under model 2.0, then a guarantee
    gets the points from a 2.0 score of 60 (not 59.99); equity none."""
    ProgrammeFactory(kind="guarantee_fee_subsidy", min_credit_score=Decimal("60"), min_credit_version="2.0")
    guarantee = market.product(market.institution(kind="guarantor"))
    request = market.request((("guarantee", "3000000"),))
    v20 = CreditModel.objects.get(version="2.0")
    market.score("59.99", model=v20)
    assert factor(_only(market, request, guarantee), "policy_support")["points"] == 0
    market.score("60.00", year=2026, model=v20)
    assert factor(_only(market, request, guarantee), "policy_support")["points"] == 10
    equity = market.product(market.institution(kind="vc"))
    line = factor(_only(market, market.request((("equity", "3000000"),)), equity), "policy_support")
    assert line["points"] == 0 and "No policy programme" in line["text"]


def test_policy_support_interest_subsidy_of_the_enterprises_region(market):
    """Given a Shanghai interest subsidy and a Beijing one, then a Pudong enterprise's loan gets the points
    naming Shanghai's (a first loan: 70% of the interest), and a Haidian enterprise's loan none."""
    ProgrammeFactory(region=market.shanghai, name="Shanghai interest subsidy")
    ProgrammeFactory(region=market.beijing, name="Beijing interest subsidy", first_loan_only=True)
    product = market.product(rate_max=Decimal("0.04"))
    line = factor(_only(market, market.request(), product), "policy_support")
    assert line["points"] == 10 and line["value"] == ["interest_subsidy"]
    assert (
        line["text"].startswith("Shanghai interest subsidy: 70.00% of interest")
        and "Beijing" not in line["text"]
    )
    haidian = f.EnterpriseFactory(region=market.haidian, members=[market.user])
    line = factor(_only(market, market.request(enterprise=haidian), product), "policy_support")
    assert line["value"] == ["interest_subsidy"] and "Beijing interest subsidy" in line["text"]


def _waiting_referral(market, product, amount: str) -> None:
    """A referral of another enterprise's request, still waiting on `product`: its pending exposure."""
    other = f.EnterpriseFactory(region=market.pudong)
    other.members.add(market.user)
    pending = f.draft_request(
        user=market.user, enterprise=other, tranches=(("credit_loan", amount),), documents=False
    )
    Referral.objects.create(
        tranche=pending.tranches.get(), request=pending, product=product, institution=product.institution
    )


def test_capacity_headroom_counts_pending_referrals(market):
    product = market.product(yearly_capacity=Decimal("30000000"))
    request = market.request()  # 3 000 000: ten times over
    assert factor(_only(market, request, product), "capacity")["points"] == 5
    _waiting_referral(market, product, "15000000")
    line = factor(_only(market, request, product), "capacity")
    assert line["value"] == 5.0 and line["points"] == pytest.approx(2.22)
    assert "waiting on other referrals" in line["text"]


def test_candidate_for_scores_like_the_proposal(market):
    market.score("72.5")
    product = market.product(market.institution(regions=[market.shanghai]), fields=[market.ai])
    request = market.request()
    from_proposal = _only(market, request, product)
    by_hand = candidate_for(product, request.tranches.get(), request)
    assert by_hand.score == from_proposal.score
    assert by_hand.explanation == from_proposal.explanation


def test_the_ranking_score_is_the_explained_one_across_products_sharing_factors(market):
    """Given the re-lending facility and products that share an institution, a re-lending eligibility, a
    locality or a record but differ in rate, range and capacity, when the proposal
    ranks them (computing the shared factors once per distinct input), then every candidate's score is the
    sum of its explanation's points."""
    market.score("64.3")
    ProgrammeFactory(kind="relending", name="Sci-tech re-lending")
    local = market.institution(regions=[market.shanghai], relending_eligible=True)
    remote = market.institution(relending_eligible=False)
    products = [
        market.product(local, rate_max=Decimal("0.03"), fields=[market.ai]),
        market.product(local, rate_max=Decimal("0.06"), min_amount=Decimal("2000000")),
        market.product(remote, rate_max=Decimal("0.05"), yearly_capacity=Decimal("9000000")),
        market.product(market.institution(relending_eligible=True), max_amount=Decimal("4000000")),
        market.product(market.institution(relending_eligible=False), max_amount=Decimal("5000000")),
    ]
    _history(market, products[2], ["offer", "decline", "offer"], field=market.ai, response_days=3)

    candidates = ranked(market.request())

    assert {c.product.pk for c in candidates} == {p.pk for p in products}
    for candidate in candidates:
        assert sum(Decimal(str(line["points"])) for line in candidate.explanation) == candidate.score
    assert len({factor(c, "policy_support")["points"] for c in candidates}) == 2


def test_products_with_the_same_capacity_left_but_different_pending_exposure_score_apart(market):
    """Given two products with the same capacity left, one of them with a referral of another request
    waiting on it, when the proposal ranks them (computing the capacity factor once per distinct free
    capacity), then each score is the sum of its own explanation's points and the waiting referral lowers
    only its product's capacity points."""
    idle = market.product(yearly_capacity=Decimal("30000000"))
    busy = market.product(yearly_capacity=Decimal("30000000"))
    _waiting_referral(market, busy, "15000000")

    candidates = {c.product.pk: c for c in ranked(market.request())}

    for candidate in candidates.values():
        assert sum(Decimal(str(line["points"])) for line in candidate.explanation) == candidate.score
    assert factor(candidates[idle.pk], "capacity")["points"] == 5
    assert factor(candidates[busy.pk], "capacity")["points"] == pytest.approx(2.22)


def test_every_headroom_from_ten_tranches_up_gets_full_capacity_points_and_below_it_less(market):
    """Given products with 9.9, 12 and 30 times the tranche left, when the proposal ranks them (keeping the
    capacity factor's points once for every free capacity from FULL_HEADROOM tranches up), then 12 and 30
    times get the full points, 9.9 times less, and each score is the sum of its own explanation's points."""
    tight, roomy, vast = (
        market.product(yearly_capacity=Decimal(capacity)) for capacity in ("29700000", "36000000", "90000000")
    )

    candidates = {c.product.pk: c for c in ranked(market.request(tranches=(("credit_loan", "3000000"),)))}

    for candidate in candidates.values():
        assert sum(Decimal(str(line["points"])) for line in candidate.explanation) == candidate.score
    assert factor(candidates[roomy.pk], "capacity")["points"] == 5
    assert factor(candidates[vast.pk], "capacity")["points"] == 5
    assert factor(candidates[tight.pk], "capacity")["points"] < 5
