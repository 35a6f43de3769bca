"""The daily digest: one e-mail per user and day with what is still unread, in the user's language."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from config.celery import app
from coordination import tasks
from coordination.models import Delivery, EmailDigest, Notification, NotificationSetting
from coordination.notifications import relay
from coordination.services import digests
from coordination.services import financing_requests as rq
from tests.factories import draft_request

from .helpers import relay_everything

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)


def submit(world, count: int = 1) -> list:
    requests = []
    for _ in range(count):
        request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
        requests.append(rq.submit_request(request_id=request.pk, user=world.applicant_a))
    relay_everything()
    return requests


def digest_users(world) -> None:
    """A reads English; the Shanghai coordinator keeps the default (Chinese); both chose the digest."""
    NotificationSetting.objects.create(user=world.applicant_a, email_digest=True, language="en")
    NotificationSetting.objects.create(user=world.coordinator, email_digest=True)


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_one_digest_per_user_in_each_users_language(world):
    """Given A (English) and the coordinator (Chinese) on the digest, two submitted requests relayed
    When the digest task runs
    Then each gets one e-mail with all their items, in their language, and no single e-mail before it"""
    digest_users(world)
    first, second = submit(world, 2)
    assert mail.outbox == []
    assert tasks.send_digests() == 2
    (to_a,) = mails_to(world.applicant_a)
    (to_coordinator,) = mails_to(world.coordinator)
    assert to_a.subject == "TechFin Coordination: 4 updates"
    assert f"Request {first.reference} submitted" in to_a.body and f"Request {second.reference}" in to_a.body
    assert to_coordinator.subject == "科技金融协调服务：2 条更新"
    assert f"融资需求 {first.reference} 已通过初审" in to_coordinator.body
    assert set(Delivery.objects.filter(channel="email").values_list("state", flat=True)) == {"sent"}
    assert EmailDigest.objects.get(user=world.applicant_a, day=timezone.localdate()).items == 4


def test_items_read_in_the_inbox_are_not_mailed(world):
    # Given A on the digest, with one of the two notifications already read in the inbox
    digest_users(world)
    (request,) = submit(world)
    Notification.objects.filter(user=world.applicant_a, topic="financing_request.submit").update(
        read_at=timezone.now()
    )
    # When the digest runs
    digests.send_daily_digests()
    # Then A's digest holds only the unread one, and the read one is recorded as skipped
    (to_a,) = mails_to(world.applicant_a)
    assert to_a.subject == f"Request {request.reference} passed screening and awaits triage"
    assert "submitted" not in to_a.body
    states = dict(
        Delivery.objects.filter(user=world.applicant_a, channel="email").values_list(
            "message__topic", "state"
        )
    )
    assert states == {"financing_request.submit": "skipped", "financing_request.screen_pass": "sent"}


def test_nothing_unread_means_no_digest_and_the_day_stays_free(world):
    # Given everything A was told is read already
    digest_users(world)
    submit(world)
    Notification.objects.filter(user=world.applicant_a).update(read_at=timezone.now())
    # When the digest runs / Then A gets no e-mail and no digest is recorded for A today
    digests.send_daily_digests()
    assert mails_to(world.applicant_a) == []
    assert not EmailDigest.objects.filter(user=world.applicant_a).exists()


def test_a_second_run_the_same_day_sends_nothing_even_with_new_items_then_the_next_day_does(world):
    """Given A's digest went out this morning, and a new request was relayed after it
    When the task runs again the same day, then the next morning
    Then the same-day run sends nothing; the next day's holds only the new items"""
    digest_users(world)
    morning = timezone.now().replace(hour=0, minute=5) + timedelta(days=1)  # 08:05 in Shanghai
    with time_machine.travel(morning, tick=False):
        submit(world)
        assert digests.send_daily_digests() == 2
        (later,) = submit(world)
        assert digests.send_daily_digests() == 0
        assert len(mails_to(world.applicant_a)) == 1
    with time_machine.travel(morning + timedelta(days=1), tick=False):
        assert digests.send_daily_digests() == 2
    next_day = mails_to(world.applicant_a)[-1]
    assert len(mails_to(world.applicant_a)) == 2 and next_day.subject == "TechFin Coordination: 2 updates"
    assert f"Request {later.reference} submitted" in next_day.body
    assert EmailDigest.objects.filter(user=world.applicant_a).count() == 2


def test_a_failed_send_leaves_the_items_for_the_next_run(world, monkeypatch):
    # Given the mail server refuses A's digest once
    digest_users(world)
    submit(world)
    original = digests.render_email

    def refusing(user, items):
        if user == world.applicant_a:
            raise ConnectionRefusedError("smtp down")
        return original(user, items)

    monkeypatch.setattr(digests, "render_email", refusing)
    # When the digest runs / Then the coordinator's goes out, A's items wait and no digest is recorded for A
    assert digests.send_daily_digests() == 1
    assert Delivery.objects.filter(user=world.applicant_a, state="digest").count() == 2
    assert not EmailDigest.objects.filter(user=world.applicant_a).exists()
    # And the next run, with the server back, sends it
    monkeypatch.setattr(digests, "render_email", original)
    assert digests.send_daily_digests() == 1 and len(mails_to(world.applicant_a)) == 1


def test_the_digest_is_on_the_beat_schedule():
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "coordination.send_digests" in schedule


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_digest(committed_world, monkeypatch):
    """Given A on the digest with items waiting (committed)
    When two workers run the digest at the same moment, both having seen A's items
    Then A gets exactly one e-mail and one digest is recorded"""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock races need PostgreSQL")
    world = committed_world
    digest_users(world)
    submit(world)
    together = threading.Barrier(2, timeout=20)
    original = digests.send_digest

    def synchronised(**kwargs):
        together.wait()
        return original(**kwargs)

    monkeypatch.setattr(digests, "send_digest", synchronised)
    results: list = [None, None]

    def worker(index: int) -> None:
        try:
            results[index] = digests.send_daily_digests()
        except BaseException as exc:  # handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert sorted(results) == [0, 2] or sorted(results) == [1, 1], results
    assert len(mails_to(world.applicant_a)) == 1 and len(mails_to(world.coordinator)) == 1
    assert EmailDigest.objects.filter(user=world.applicant_a).count() == 1
