"""The demo's history (DESIGN.md §8): the months before a day, through the services on a controlled clock."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, F

from coordination.choices import RequestStatus
from coordination.demo.history import history_counts, history_requests, seed_history
from coordination.demo.history.plans import PACKAGES, package_task
from coordination.demo.seed import seed_demo
from coordination.evaluation.major_tasks import task_financing
from coordination.matching.proposal import propose
from coordination.models import (
    Delivery,
    FinancingPackage,
    LossClaim,
    Offer,
    OutboxMessage,
    Referral,
    TransitionEvent,
)
from coordination.selectors.scoping import requests_visible_to
from coordination.services import financing_requests as rq
from coordination.services.admin_queues import queue_counts
from coordination.workflow.business_days import SHANGHAI
from lenders.models import Product
from projects.models import MajorTask

PASSWORD = "test-demo-pass"
# A fixed day, so the test reads the same history whenever it runs (the command uses the real today).
TODAY = date(2026, 6, 15)
RESTING_STATES = set(RequestStatus.values) - {RequestStatus.SCREENING}  # submitting screens at once


def users(*names):
    found = {user.username: user for user in get_user_model().objects.filter(username__in=names)}
    return [found[name] for name in names]


def counts_by_status() -> tuple[dict, dict, dict, int]:
    report = history_counts()
    events = TransitionEvent.objects.filter(request__in=history_requests()).count()
    return report.requests, report.referrals, report.offers, events


def reset_sequences() -> None:
    """Each id sequence set to follow its table's last row, as on a database just seeded (PostgreSQL keeps
    sequences through a rollback, and takes numbers for rows that conflicted): the matcher breaks ties by
    request id, so the same day gives the same history on the same database."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.mark.django_db
def test_two_months_of_history_rest_in_every_state_within_the_window_and_keep_the_journey():
    """Given the demo, when two months of history are seeded before a day, then requests rest in every
    state, every event falls inside the window, the coordinators' queues hold work, nothing is left for
    the relay to send, and demo-applicant's journey is still proposed to demo-bank (and the 60 M one to
    demo-bank or demo-bank-2)."""
    seed_demo(scale=1, password=PASSWORD)
    reset_sequences()

    report = seed_history(months=2, today=TODAY)

    assert set(report.requests) == RESTING_STATES
    assert {"sent", "reviewing", "offered", "declined"} <= set(report.referrals)
    assert {"open", "accepted"} <= set(report.offers)
    assert report.first_day == date(2026, 4, 15) and report.last_day == date(2026, 6, 12)
    cities = set(history_requests().values_list("enterprise__region__parent__code", flat=True))
    assert {"310000", "110000", "440300"} <= cities
    start = datetime.combine(report.first_day, time(0), tzinfo=SHANGHAI)
    end = datetime.combine(TODAY, time(0), tzinfo=SHANGHAI)
    events = TransitionEvent.objects.filter(request__in=history_requests())
    assert events.filter(created_at__gte=start, created_at__lt=end).count() == events.count() > 200
    assert not Offer.objects.filter(request__in=history_requests()).exclude(created_at__range=(start, end))
    assert events.filter(actor_role="system", action="expire").exists()  # the sweep ran on the clock
    assert events.filter(action="confirm_approval").exists()  # maker-checker
    assert Referral.objects.filter(request__in=history_requests()).exclude(decline_reason="").exists()

    regional, national = users("demo-coordinator", "demo-national")
    shanghai_queues = queue_counts(requests_visible_to(regional), now=end)
    assert shanghai_queues["triage"] and shanghai_queues["awaiting_approval"]
    assert queue_counts(requests_visible_to(national), now=end)["awaiting_confirmation"]
    assert not OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).exists()
    assert not Delivery.objects.exists()
    # DESIGN §10: demo-bank reported one default on a loan a risk pool covers; it awaits approval.
    claim = LossClaim.objects.get()
    assert (claim.status, claim.reported_by.username) == ("reported", "demo-bank")
    assert claim.amount > 0 and claim.created_at < end

    # A national major task's packages (DESIGN §14): proposed by demo-national, submitted by its lead
    # enterprise, funded by the history, so that the task's remaining gap falls from month to month.
    code, _, gap = package_task()
    task = MajorTask.objects.get(code=code)
    packages = FinancingPackage.objects.filter(major_task=task)
    assert packages.count() == PACKAGES
    assert set(packages.values_list("created_by__username", flat=True)) == {"demo-national"}
    assert packages.filter(status="submitted", request__status__in=["funded", "closed"]).count() >= 2
    financing = task_financing(task, today=TODAY)
    assert 0 < financing.totals.funded < gap and financing.remaining_gap == gap - financing.totals.funded
    remaining = [point.remaining for point in financing.timeline if point.month >= date(2026, 4, 1)]
    assert remaining == sorted(remaining, reverse=True) and remaining[0] > remaining[-1]

    applicant, bank, bank_2 = users("demo-applicant", "demo-bank", "demo-bank-2")
    assert not history_requests().filter(enterprise__members=applicant).exists()
    assert not Product.objects.filter(capacity_used__gt=F("yearly_capacity") - Decimal(60_000_000)).filter(
        institution__members__in=[bank, bank_2]
    )
    banks = {bank.institutions.get().pk, bank_2.institutions.get().pk}
    for enterprise in applicant.enterprises.all():
        for amount, wanted in ((3_000_000, {bank.institutions.get().pk}), (60_000_000, banks)):
            request = rq.create_request(
                user=applicant,
                enterprise_id=enterprise.pk,
                purpose="journey",
                amount=Decimal(amount),
                term_months=24,
                tranches=[rq.TrancheInput("credit_loan", Decimal(amount))],
            )
            proposed = {c.product.institution_id for cs in propose(request).values() for c in cs}
            assert proposed & wanted, (enterprise.name, amount)


@pytest.mark.django_db
def test_the_same_day_gives_the_same_history_and_a_second_run_keeps_it():
    """Given the demo, when one month of history is seeded, rolled back and seeded again for the same day,
    then the counts are the same; seeding once more leaves the history as it is."""
    seed_demo(scale=1, password=PASSWORD)
    reset_sequences()
    with transaction.atomic():
        seed_history(months=1, today=TODAY)
        first = counts_by_status()
        transaction.set_rollback(True)
    reset_sequences()

    seed_history(months=1, today=TODAY)
    again = seed_history(months=1, today=TODAY + timedelta(days=1))

    assert counts_by_status() == first
    assert again.already_there and again.requests == first[0]


@pytest.mark.django_db
def test_the_command_seeds_the_history_at_its_own_scale_and_refuses_bad_options(settings):
    """Given DEBUG on, when seed_demo runs with a month of history, then it reports the history apart from
    the catalogue; history options out of range are refused before anything is written."""
    settings.DEBUG, settings.DEMO_PASSWORD = True, PASSWORD
    for options in ({"history_months": -1}, {"history_scale": 0}):
        with pytest.raises(CommandError, match="history"):
            call_command("seed_demo", stdout=StringIO(), **options)
    assert not history_requests().exists()
    out = StringIO()

    call_command("seed_demo", history_months=1, history_scale=1, stdout=out)

    assert "Seeded demo data at scale 1" in out.getvalue()
    assert "Seeded the history from" in out.getvalue()
    requests = history_requests().aggregate(n=Count("pk"))["n"]
    assert 15 <= requests <= 40  # about 8 a month at history scale 1, and the anchored ones
