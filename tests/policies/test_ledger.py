"""The programmes' ledger (issue 14, DESIGN §10): at funding, support becomes commitments against each
programme's budget; releases, claims and payments follow; budget = available + committed + paid always,
never negative, under concurrency too."""

import contextlib
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordination import selectors
from coordination.errors import ValidationFailed
from coordination.models import ProgrammeLedgerEntry
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.workflow import ledger
from tests import factories as f
from tests.factories import draft_request
from tests.factories_policy import ProgrammeFactory

SUBSIDY = Decimal("144900.00")  # 70% of two years' interest on 3 000 000 yuan at 3.45%


def accepted(world, enterprise, applicant=None):
    """A 3 000 000-yuan 24-month loan of `enterprise` offered by bank X at 3.45%, accepted and approved."""
    applicant = applicant or world.applicant_a
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
    return request


@pytest.mark.django_db
def test_funding_commits_each_programmes_support_once(world):
    """Given the interest subsidy and a risk pool, when bank X records funding of 2 000 000 of the 3 000 000
    offered, then each programme commits its support scaled to two thirds, and committing again adds none."""
    subsidy = ProgrammeFactory()
    pool = ProgrammeFactory(kind="risk_compensation")
    request = accepted(world, world.enterprise_a)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user, amount="2000000")
    tranche = request.tranches.get()
    commits = {e.programme_id: e.amount for e in ProgrammeLedgerEntry.objects.filter(movement="commit")}
    assert commits == {subsidy.pk: Decimal("96600.00"), pool.pk: Decimal("1200000.00")}
    balance = selectors.programme_balance(subsidy.pk)
    assert (balance.committed, balance.paid, balance.available) == (
        Decimal("96600.00"),
        0,
        subsidy.budget - Decimal("96600.00"),
    )
    assert ledger.commit_policy_support(tranche=tranche) == []


@pytest.mark.django_db
def test_what_does_not_fit_the_budget_is_refused_with_its_reason_and_the_funding_stands(world):
    """Given a subsidy with 100 000 yuan of budget, when a loan whose support is 144 900 is funded, then the
    commitment is refused with the budget left in words, nothing is committed, and the tranche is funded."""
    subsidy = ProgrammeFactory(budget=Decimal("100000"))
    request = accepted(world, world.enterprise_a)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    entry = ProgrammeLedgerEntry.objects.get(programme=subsidy)
    assert (entry.movement, entry.amount, entry.committed_change) == ("refused", SUBSIDY, 0)
    assert "100000" in entry.reason and "144900.00" in entry.reason
    assert request.tranches.get().funded_amount == Decimal("3000000")
    assert selectors.programme_balance(subsidy.pk).available == Decimal("100000")


@pytest.mark.django_db
def test_a_claim_and_payment_stay_within_the_commitment(world):
    """Given a commitment of 1 000, then releasing or claiming more than the unclaimed part and paying more
    than the unpaid claim are refused naming the amount; a claim paid moves committed to paid."""
    programme = ProgrammeFactory(kind="risk_compensation", budget=Decimal("5000"))
    tranche = draft_request(user=world.applicant_a, enterprise=world.enterprise_a).tranches.get()
    ledger.commit(programme_id=programme.pk, tranche_id=tranche.pk, amount="1000")
    ledger.claim(programme_id=programme.pk, tranche_id=tranche.pk, amount="600")
    for move, amount in ((ledger.release, "400.01"), (ledger.claim, "400.01"), (ledger.pay, "600.01")):
        with pytest.raises(ValidationFailed) as refused:
            move(programme_id=programme.pk, tranche_id=tranche.pk, amount=amount)
        assert "amount" in refused.value.fields
    ledger.pay(programme_id=programme.pk, tranche_id=tranche.pk, amount="600")
    ledger.release(programme_id=programme.pk, tranche_id=tranche.pk, amount="400")
    balance = selectors.programme_balance(programme.pk)
    assert (balance.available, balance.committed, balance.paid) == (Decimal("4400"), 0, Decimal("600"))


@pytest.mark.django_db(transaction=True)
def test_two_fundings_racing_for_the_last_of_a_budget_give_one_commitment_and_one_refusal(committed_world):
    """Given a subsidy whose budget holds one loan's support, and two accepted loans of two enterprises,
    when both banks record funding at once, then both fundings stand, one commitment is made and the other
    is refused with its reason; the budget is never overdrawn."""
    world = committed_world
    subsidy = ProgrammeFactory(budget=SUBSIDY + Decimal("1000"))
    second = f.EnterpriseFactory(region=world.pudong, members=[world.applicant_a])
    requests = [accepted(world, world.enterprise_a), accepted(world, second)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def fund(request_id):
        try:
            start.wait(timeout=30)
            approvals.record_funding(request_id=request_id, user=world.bank_x_user)
        except BaseException as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=fund, args=(r.pk,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    movements = sorted(
        ProgrammeLedgerEntry.objects.filter(programme=subsidy).values_list("movement", flat=True)
    )
    assert movements == ["commit", "refused"]
    balance = selectors.programme_balance(subsidy.pk)
    assert balance.committed == SUBSIDY and balance.available == Decimal("1000")
    assert all(r.tranches.get().funded_on for r in requests)


class _Rollback(Exception):
    pass


MOVES = st.tuples(
    st.sampled_from(["commit", "release", "claim", "pay"]),
    st.integers(0, 2),  # which tranche
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("700"), places=2),
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(MOVES, min_size=1, max_size=25))
def test_random_walks_of_the_ledger_always_balance_and_never_go_negative(world, moves):
    """Given a programme of 1 000 yuan and three tranches, when any sequence of commitments, releases,
    claims and payments is tried, then each either happens or is refused, and after every step budget =
    available + committed + paid, none negative, and no tranche's commitment below zero."""
    try:
        with transaction.atomic():
            programme = ProgrammeFactory(kind="risk_compensation", budget=Decimal("1000"))
            request = draft_request(
                user=world.applicant_a,
                enterprise=world.enterprise_a,
                tranches=(("credit_loan", "1000000"), ("equity", "1000000"), ("rd_insurance", "1000000")),
                documents=False,
            )
            tranches = list(request.tranches.order_by("position"))
            for name, which, amount in moves:
                tranche_id = tranches[which].pk
                with contextlib.suppress(ValidationFailed):  # refused: the invariants must hold all the same
                    getattr(ledger, name)(programme_id=programme.pk, tranche_id=tranche_id, amount=amount)
                balance = selectors.programme_balance(programme.pk)
                assert balance.available + balance.committed + balance.paid == balance.budget
                assert min(balance.available, balance.committed, balance.paid) >= 0
                for tranche in tranches:
                    committed, unpaid = selectors.tranche_commitment(programme.pk, tranche.pk)
                    assert committed >= 0 and 0 <= unpaid <= committed
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.django_db
def test_a_reported_loss_is_claimed_within_the_caps_and_the_commitment(world):
    """Given a funded first loan of 3 000 000 with the risk pool's 1 800 000 committed, when a loss of
    2 000 000 is reported, then 60% of it, 1 200 000, is claimed; a second loss claims only what is left of
    the commitment, and a third nothing (refused naming the loss)."""
    pool = ProgrammeFactory(kind="risk_compensation")
    request = accepted(world, world.enterprise_a)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    tranche = request.tranches.get()
    first = ledger.claim_loss(programme_id=pool.pk, tranche_id=tranche.pk, loss="2000000")
    assert first.amount == Decimal("1200000.00")
    second = ledger.claim_loss(programme_id=pool.pk, tranche_id=tranche.pk, loss="2000000")
    assert second.amount == Decimal("600000.00")
    with pytest.raises(ValidationFailed) as refused:
        ledger.claim_loss(programme_id=pool.pk, tranche_id=tranche.pk, loss="1000")
    assert "loss" in refused.value.fields
