"""Races on PostgreSQL: two threads, each with its own connection, take contested actions at once.

Each thread waits at a barrier right before the service takes its first row lock, so both have
read the state they act on and then contend for the lock: exactly one wins, the other gets a
Conflict (HTTP 409), and the audit holds one event for the contested action.
"""

import os
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from coordination.errors import Conflict
from coordination.models import FinancingRequest, Offer, TransitionEvent
from coordination.services import approvals, locking, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(committed_world):
    """The conftest world, committed, so that the racing threads' own connections see it."""
    return committed_world


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        message = f"row-lock races need PostgreSQL, not {connection.vendor}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def _in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def race(monkeypatch, calls: list[Callable[[], object]], *, lockers: list[tuple[object, str]]) -> list:
    """Run `calls` in threads started together; each pauses before its first row lock until all are there.

    Returns, per call, its result or the exception it raised.
    """
    start = threading.Barrier(len(calls), timeout=20)
    before_lock = threading.Barrier(len(calls), timeout=20)
    local = threading.local()  # each thread waits once, before its first lock
    for module, name in lockers:
        original = getattr(module, name)

        def synchronised(*args, _original=original, **kwargs):
            if not getattr(local, "passed", False):
                local.passed = True
                before_lock.wait()
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, synchronised)
    results: list = [None] * len(calls)

    def worker(index: int) -> None:
        try:
            start.wait()
            results[index] = calls[index]()
        except BaseException as exc:  # handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a racing thread hung"
    return results


def _one_win_one_conflict(results: list) -> tuple[object, Conflict]:
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], Conflict), repr(errors[0])
    (winner,) = [r for r in results if not isinstance(r, BaseException)]
    return winner, errors[0]


def _events(request_id: int, action: str, object_type: str = "financing_request") -> int:
    return TransitionEvent.objects.filter(
        request_id=request_id, object_type=object_type, action=action
    ).count()


def _offer_accepted_request(world, tranche_amount: str = "3000000") -> FinancingRequest:
    request = f.draft_request(
        user=world.applicant_a, enterprise=world.enterprise_a, tranches=[("credit_loan", tranche_amount)]
    )
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    user = world.national if Decimal(tranche_amount) >= 50_000_000 else world.coordinator
    routing.route_request(request_id=request.pk, user=user, product_ids=[world.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=Decimal(tranche_amount),
        valid_until=_in_days(30),
    )
    rs.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    request.refresh_from_db()
    assert request.status == "offer_accepted"
    return request


def test_two_coordinators_approving_at_once(world, monkeypatch):
    # Given a below-threshold request with an accepted offer and two Shanghai coordinators
    request = _offer_accepted_request(world)
    assert not request.escalated
    second = f.coordinator("coord-sh-2", regions=[world.shanghai])
    # When both approve at the same moment
    results = race(
        monkeypatch,
        [
            lambda: approvals.approve_request(request_id=request.pk, user=world.coordinator),
            lambda: approvals.approve_request(request_id=request.pk, user=second),
        ],
        lockers=[(locking, "lock_request")],
    )
    # Then one approval wins, the other is a conflict, and the audit shows one approval
    winner, _ = _one_win_one_conflict(results)
    assert winner.status == "approved"
    request.refresh_from_db()
    assert request.status == "approved"
    assert _events(request.pk, "approve") == 1


def test_approve_racing_withdraw(world, monkeypatch):
    # Given a request with an accepted offer
    request = _offer_accepted_request(world)
    # When the coordinator approves while the applicant withdraws
    results = race(
        monkeypatch,
        [
            lambda: approvals.approve_request(request_id=request.pk, user=world.coordinator),
            lambda: rq.withdraw_request(
                request_id=request.pk, user=world.applicant_a, reason="changed plans"
            ),
        ],
        lockers=[(locking, "lock_request")],
    )
    # Then whichever came second gets a conflict, and only the winner's event is written
    winner, _ = _one_win_one_conflict(results)
    request.refresh_from_db()
    assert request.status == winner.status
    assert request.status in {"approved", "withdrawn"}
    approved, withdrawn = _events(request.pk, "approve"), _events(request.pk, "withdraw")
    assert (approved, withdrawn) == ((1, 0) if request.status == "approved" else (0, 1))


def test_two_offers_accepted_on_one_tranche(world, monkeypatch):
    # Given one tranche with open offers from bank X and bank Y
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    offers = []
    for institution, user in ((world.bank_x, world.bank_x_user), (world.bank_y, world.bank_y_user)):
        referral = request.referrals.get(institution=institution)
        rs.open_referral(referral_id=referral.pk, user=user)
        offers.append(
            rs.make_offer(
                referral_id=referral.pk, user=user, amount=Decimal("3000000"), valid_until=_in_days(30)
            )
        )
    # When the applicant accepts both at once (two browser tabs)
    results = race(
        monkeypatch,
        [lambda offer=offer: rs.accept_offer(offer_id=offer.pk, user=world.applicant_a) for offer in offers],
        lockers=[(locking, "lock_request")],
    )
    # Then one offer is accepted, the other is superseded, and one acceptance is audited
    winner, _ = _one_win_one_conflict(results)
    statuses = {o.pk: o.status for o in Offer.objects.filter(request=request)}
    loser = next(o for o in offers if o.pk != winner.pk)
    assert statuses == {winner.pk: "accepted", loser.pk: "superseded"}
    assert request.tranches.get().accepted_offer_id == winner.pk
    assert _events(request.pk, "accept", "offer") == 1
    request.refresh_from_db()
    assert request.status == "offer_accepted"
    assert _events(request.pk, "all_tranches_accepted") == 1


def test_two_national_coordinators_approving_an_escalated_request(world, monkeypatch):
    # Given an escalated (60 000 000-yuan) request with an accepted offer and no approval proposal
    request = _offer_accepted_request(world, "60000000")
    assert request.escalated and request.approval_proposed_by_id is None
    # When both national coordinators call approve at the same moment
    results = race(
        monkeypatch,
        [
            lambda: approvals.approve_request(request_id=request.pk, user=world.national),
            lambda: approvals.approve_request(request_id=request.pk, user=world.national_2),
        ],
        lockers=[(locking, "lock_request")],
    )
    # Then one proposes, the other is told someone proposed meanwhile: nobody confirms their racer
    winner, conflict = _one_win_one_conflict(results)
    assert conflict.code == "already_proposed"
    request.refresh_from_db()
    assert request.status == "offer_accepted"
    assert request.approval_proposed_by_id in {world.national.pk, world.national_2.pk}
    assert _events(request.pk, "propose_approval") == 1
    assert _events(request.pk, "confirm_approval") == 0


def test_requests_created_at_once_get_distinct_consecutive_references(world, monkeypatch):
    # Given the applicants of two enterprises, each creating requests at the same moment
    def create(user, enterprise):
        return lambda: (
            rq.create_request(
                user=user,
                enterprise_id=enterprise.pk,
                purpose="Race",
                amount=Decimal("1000000"),
                term_months=12,
                tranches=[rq.TrancheInput("credit_loan", Decimal("1000000"))],
            ).reference
        )

    calls = [create(world.applicant_a, world.enterprise_a), create(world.applicant_b, world.enterprise_b)] * 3
    # When all six take the year's next number at once
    references = race(monkeypatch, calls, lockers=[(rq, "next_reference")])
    # Then each got its own number, and together they are the next six
    assert not [r for r in references if isinstance(r, BaseException)], references
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(numbers[0], numbers[0] + 6))
