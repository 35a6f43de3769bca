"""The deadline sweep: reminders, escalation and expiry at the right business moment; harmless twice."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from coordination import deadline_sweep
from coordination.models import Deadline, OutboxMessage
from coordination.services import financing_requests as rq
from coordination.services import routing
from tests.factories import draft_request

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def topics() -> list[str]:
    return list(OutboxMessage.objects.filter(topic__startswith="deadline.").values_list("topic", flat=True))


@pytest.mark.django_db
def test_triage_reminder_and_escalation_fall_on_business_days_around_national_day(world):
    # Given a request entering triage on Wednesday 2026-09-30, the eve of the National Day holiday
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
        request = rq.submit_request(request_id=request.pk, user=world.applicant_a)
    # Then 3 business days skip 1–7 October: Thu 8 (1), Fri 9 (2), Sat 10, a make-up working day (3)
    escalate = Deadline.objects.get(object_type="financing_request", kind="escalate")
    assert escalate.due_at == at(2026, 10, 10, 18, 0)
    assert Deadline.objects.get(object_type="financing_request", kind="remind").due_at == at(
        2026, 10, 9, 9, 0
    )
    # When the sweep runs a minute before the reminder, nothing fires
    assert deadline_sweep.sweep(now=at(2026, 10, 9, 8, 59))["remind"] == 0
    # At the reminder the coordinator is reminded; at the due time the request is escalated and flagged
    assert deadline_sweep.sweep(now=at(2026, 10, 9, 9, 0))["remind"] == 1
    assert deadline_sweep.sweep(now=at(2026, 10, 10, 18, 0))["escalate"] == 1
    request.refresh_from_db()
    assert request.overdue and request.status == "triage"
    assert topics() == ["deadline.remind", "deadline.escalate"]
    # And sweeping again fires nothing twice
    assert deadline_sweep.sweep(now=at(2026, 10, 12, 9, 0)) == {
        "remind": 0,
        "escalate": 0,
        "expire": 0,
        "skipped": 0,
    }


@pytest.mark.django_db
def test_unanswered_information_request_expires_after_15_business_days_across_the_holiday(world):
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
        rq.submit_request(request_id=request.pk, user=world.applicant_a)
        rq.request_information(
            request_id=request.pk, user=world.coordinator, reason="Audited statements, please"
        )
    # 15 business days from 30 Sep: Oct 8, 9, 10 (make-up), 12–16, 19–23, 26, 27 → Tue 27 Oct 18:00
    expire = Deadline.objects.get(object_type="financing_request", kind="expire", state="pending")
    assert expire.due_at == at(2026, 10, 27, 18, 0)
    assert deadline_sweep.sweep(now=at(2026, 10, 27, 17, 59))["expire"] == 0
    assert deadline_sweep.sweep(now=at(2026, 10, 27, 18, 0))["expire"] == 1
    request.refresh_from_db()
    assert request.status == "expired"
    assert not Deadline.objects.filter(request=request, state="pending").exists()


@pytest.mark.django_db
def test_a_deadline_of_a_stage_already_left_never_fires(world):
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
        rq.submit_request(request_id=request.pk, user=world.applicant_a)
        routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    result = deadline_sweep.sweep(now=at(2026, 3, 6, 18, 0))
    assert result["escalate"] == 0 and "deadline.escalate" not in topics()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_one_reminder_per_due_deadline(committed_world):
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL row locks")
    world = committed_world
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        for _ in range(6):
            request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
            rq.submit_request(request_id=request.pk, user=world.applicant_a)
    due = Deadline.objects.filter(kind="remind", state="pending").count()
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(deadline_sweep.sweep(now=at(2026, 3, 5, 9, 30)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r["remind"] for r in results) == due == 6
    assert topics().count("deadline.remind") == 6
