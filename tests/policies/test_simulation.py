"""The simulator (issue 14 point 7, DESIGN §10 "Incremental policy"): a programme, or a copy with changed
terms, replayed over a past window's offers and fundings with the offers' own support functions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coordination import selectors
from coordination.choices import SimulationStatus
from coordination.errors import NotFound, ValidationFailed
from coordination.models import PolicySimulation, ProgrammeLedgerEntry
from coordination.services import approvals, routing, simulations
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.tasks import run_policy_simulation
from tests.factories import draft_request
from tests.factories_policy import ProgrammeFactory

HALF = {"share": "0.5", "first_loan_share": "0.5"}


def funded(world, enterprise, amount=None):
    """A 3 000 000-yuan 24-month loan at 3.45% from bank X, accepted, approved and funded (`amount`)."""
    applicant = enterprise.members.first()
    request = draft_request(user=applicant, enterprise=enterprise)
    rq.submit_request(request_id=request.pk, user=applicant)
    routing.route_request(request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=Decimal("3000000"),
        annual_rate=Decimal("0.0345"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    rs.accept_offer(offer_id=offer.pk, user=applicant)
    approvals.approve_request(request_id=request.pk, user=world.national)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user, amount=amount)
    return request


def simulate(world, programme, changes, *, user=None):
    today = timezone.localdate()
    simulation = simulations.start_simulation(
        user=user or world.national,
        programme_id=programme.pk,
        window_from=today,
        window_until=today,
        changes=changes,
    )
    return simulations.run_simulation(simulation.pk)


@pytest.mark.django_db
def test_an_unchanged_copy_costs_what_the_ledger_committed_in_the_window(world):
    """Given an interest subsidy and two loans funded today (one in part), when an unchanged copy is replayed
    over today, then its committed cost equals the ledger's commitments, for it and for the version."""
    subsidy = ProgrammeFactory()
    funded(world, world.enterprise_a, amount="2000000")
    funded(world, world.enterprise_b)
    committed = sum(
        e.amount for e in ProgrammeLedgerEntry.objects.filter(programme=subsidy, movement="commit")
    )

    result = simulate(world, subsidy, {}).result

    assert committed == Decimal("241500.00")  # 96 600 + 144 900
    assert Decimal(result["ledger_committed"]) == committed
    for side in ("current", "changed"):
        totals = result[side]["totals"]
        assert Decimal(totals["committed"]) == committed
        assert (totals["deals"], totals["fundings"], totals["enterprises"]) == (2, 2, 2)


@pytest.mark.django_db
def test_a_changed_share_changes_the_cost_in_proportion(world):
    """Given an interest subsidy of 50% and a loan funded today, when the copy pays 70%, then its expected and
    committed costs are 1.4 times the version's, by stage and size class too, and the ledger is untouched."""
    subsidy = ProgrammeFactory(given_parameters=HALF)
    funded(world, world.enterprise_a)
    entries = ProgrammeLedgerEntry.objects.count()

    result = simulate(world, subsidy, {"parameters": {"share": "0.7", "first_loan_share": "0.7"}}).result

    current, changed = result["current"], result["changed"]
    assert Decimal(current["totals"]["committed"]) == Decimal("103500.00")
    assert Decimal(changed["totals"]["committed"]) == Decimal("144900.00")
    assert Decimal(changed["totals"]["expected"]) == Decimal("144900.00")
    stage = world.enterprise_a.stage
    assert (
        Decimal(changed["stage"][stage]["committed"])
        == Decimal(current["stage"][stage]["committed"]) * 14 / 10
    )
    assert ProgrammeLedgerEntry.objects.count() == entries
    subsidy.refresh_from_db()
    assert subsidy.parameters["share"] == "0.5"


@pytest.mark.django_db
def test_a_narrower_copy_reaches_fewer_deals(world):
    """Given a subsidy and a 3 000 000 loan funded today, when the copy is open to no stage of the
    enterprise's, or caps the amount at 1 000 000, then the copy reaches no deal while the version does."""
    subsidy = ProgrammeFactory()
    funded(world, world.enterprise_a)
    other = next(s for s in ("startup", "growth", "stable") if s != world.enterprise_a.stage)

    for changes in ({"stages": [other]}, {"max_amount": "1000000"}):
        result = simulate(world, subsidy, changes).result

        assert result["current"]["totals"]["deals"] == 1
        assert result["changed"]["totals"]["deals"] == 0


@pytest.mark.django_db
def test_the_task_moves_progress_and_stores_the_result(world, monkeypatch):
    """Given a queued simulation over a window with a funded loan, when the task runs (eagerly, here), then
    the progress moved up to 100, the status is done and the result is stored."""
    subsidy = ProgrammeFactory()
    funded(world, world.enterprise_a)
    today = timezone.localdate()
    simulation = PolicySimulation.objects.create(
        coordinator=world.national, programme=subsidy, window_from=today, window_until=today
    )
    seen: list[int] = []
    original = simulations._set_progress
    monkeypatch.setattr(
        simulations, "_set_progress", lambda pk, percent: (seen.append(percent), original(pk, percent))
    )

    run_policy_simulation.apply(args=[simulation.pk])

    simulation.refresh_from_db()
    assert seen and seen == sorted(seen)
    assert (simulation.status, simulation.progress) == (SimulationStatus.DONE, 100)
    assert simulation.result["current"]["totals"]["deals"] == 1


@pytest.mark.django_db
def test_wrong_terms_are_refused_naming_the_field(world):
    """Given a programme, when a simulation asks for a share of 1.5, an unknown term or a window ending
    after today, then each is refused with a 400 naming the field and nothing is stored."""
    subsidy = ProgrammeFactory()
    today = timezone.localdate()
    cases = [
        ({"parameters": {"share": "1.5"}}, today, "parameters.share"),
        ({"budget": "1"}, today, "budget"),
        ({}, today + timedelta(days=1), "window_until"),
    ]
    for changes, until, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            simulations.start_simulation(
                user=world.national,
                programme_id=subsidy.pk,
                window_from=today,
                window_until=until,
                changes=changes,
            )
        assert refused.value.status_code == 400
        assert field in refused.value.fields
    assert not PolicySimulation.objects.exists()


@pytest.mark.django_db
def test_a_regional_coordinator_cannot_simulate_another_regions_programme(world):
    """Given a Beijing programme, when the Shanghai coordinator starts a simulation of it, then it is not
    found; the applicant neither."""
    beijing = ProgrammeFactory(region=world.beijing)
    today = timezone.localdate()
    for user in (world.coordinator, world.applicant_a):
        with pytest.raises(NotFound):
            simulations.start_simulation(
                user=user, programme_id=beijing.pk, window_from=today, window_until=today, changes={}
            )
    assert selectors.programmes_visible_to(world.coordinator).filter(pk=beijing.pk).count() == 0


@pytest.mark.django_db
def test_a_regional_programme_replays_the_deals_of_its_region_only(world):
    """Given a Shanghai subsidy and loans funded today in Pudong and in Haidian, when the Shanghai
    coordinator simulates it, then only the Pudong loan is reached, as the ledger committed."""
    shanghai = ProgrammeFactory(region=world.shanghai)
    funded(world, world.enterprise_a)
    funded(world, world.enterprise_b)

    result = simulate(world, shanghai, {}, user=world.coordinator).result

    assert result["offers_read"] == 1
    assert result["current"]["totals"]["enterprises"] == 1
    assert Decimal(result["current"]["totals"]["committed"]) == Decimal(result["ledger_committed"]) > 0


@pytest.mark.django_db
def test_a_simulated_programme_stops_committing_when_its_budget_is_spent_and_counts_the_refusals(world):
    """Given a subsidy whose budget holds one loan's support (144 900) and two loans funded today, when the
    version and a copy at half the share are replayed, then each commits what fits in funding order — the
    version one loan, as its ledger did, the copy (103 500 each) one too — and counts the other as refused
    by the budget, with its amount."""
    subsidy = ProgrammeFactory(budget=Decimal("145900"))
    funded(world, world.enterprise_a)
    funded(world, world.enterprise_b)
    ledger = list(ProgrammeLedgerEntry.objects.filter(programme=subsidy).values_list("movement", "amount"))
    assert sorted(ledger) == [("commit", Decimal("144900.00")), ("refused", Decimal("144900.00"))]

    result = simulate(world, subsidy, {"parameters": HALF}).result

    current, changed = result["current"]["totals"], result["changed"]["totals"]
    assert Decimal(current["committed"]) == Decimal(result["ledger_committed"]) == Decimal("144900.00")
    assert (current["fundings"], current["refused"], current["deals"]) == (1, 1, 2)
    assert Decimal(current["refused_amount"]) == Decimal("144900.00")
    assert (Decimal(changed["committed"]), changed["fundings"], changed["refused"]) == (
        Decimal("103500.00"),
        1,
        1,
    )
    assert Decimal(changed["refused_amount"]) == Decimal("103500.00")
