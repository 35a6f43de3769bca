"""Delivery through a real Celery worker on Redis: crashes and outages lose nothing, send nothing twice."""

import threading
import time

import pytest
from django.test import override_settings

from coordination.models import Delivery, Notification, OutboxMessage, WebhookSubscription
from coordination.notifications import relay
from coordination.services import financing_requests as rq
from tests.factories import draft_request
from tests.support.processes import PrivateRedis, app_broker, running_worker, wait_until
from tests.support.receiver import DribblingReceiver, Receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
def broker(redis_broker):
    """A clean Redis database as broker, shared by this process and the worker."""
    import redis

    client = redis.Redis.from_url(redis_broker)
    client.flushdb()
    yield redis_broker
    client.flushdb()


def unacknowledged(broker_url: str) -> int:
    """Tasks taken by a worker and not yet acknowledged (kombu's Redis transport keeps them in `unacked`; a
    killed worker's stay there until the visibility timeout)."""
    import redis

    return redis.Redis.from_url(broker_url).hlen("unacked")


def broker_idle(broker_url: str, leftover: int) -> bool:
    """No task waits in either queue, and none is held but the `leftover` of a killed worker."""
    import redis

    client = redis.Redis.from_url(broker_url)
    return not (client.llen("celery") or client.llen("webhooks")) and unacknowledged(broker_url) <= leftover


def all_sent() -> bool:
    return (
        not OutboxMessage.objects.filter(state="pending").exists()
        and Delivery.objects.exists()
        and not Delivery.objects.exclude(state="sent").exists()
    )


@override_settings(OUTBOX_NUDGE=True)
def test_worker_delivers_a_submission_on_every_channel_once(committed_world, broker):
    world = committed_world
    receiver = Receiver()
    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a, url=receiver.url, secret="k", created_by=world.applicant_a
    )
    with app_broker(broker), running_worker(broker):
        # When the applicant submits (the on-commit nudge reaches the worker through Redis)
        request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
        rq.submit_request(request_id=request.pk, user=world.applicant_a)
        wait_until(all_sent, message="every delivery sent by the worker")
        # And the relay is run again by hand, twice: it finds nothing left to send
        assert relay.sweep() == {"messages": 0, "deliveries": 0}
        assert relay.sweep() == {"messages": 0, "deliveries": 0}
        for message_id in OutboxMessage.objects.values_list("pk", flat=True):
            assert relay.fan_out(message_id) == []
    # Then each party got each message once
    assert Notification.objects.filter(user=world.applicant_a).count() == 2
    assert Notification.objects.filter(user=world.coordinator).count() == 1
    assert len(receiver.received) == 2
    assert len({r.headers["X-TechFin-Delivery"] for r in receiver.received}) == 2
    receiver.close()


@override_settings(OUTBOX_NUDGE=True)
def test_worker_killed_mid_delivery_is_delivered_once_by_the_next_worker(committed_world, broker):
    world = committed_world
    # Given a receiver that holds the first request open, so the worker is caught mid-delivery
    receiver = Receiver(hold=threading.Event())
    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a,
        url=receiver.url,
        secret="k",
        created_by=world.applicant_a,
        topics=["financing_request.submit"],
    )
    lease = {"DELIVERY_LEASE_SECONDS": "1"}
    with app_broker(broker):
        with running_worker(broker, lease) as first:
            request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
            rq.submit_request(request_id=request.pk, user=world.applicant_a)
            assert receiver.arrived.wait(30), "the webhook never reached the receiver"
            # When the worker is killed with SIGKILL while the delivery is in flight
            first.kill()
        leftover = unacknowledged(broker)
        receiver.hold.set()
        hook = Delivery.objects.get(channel="webhook")
        assert hook.state == "sending"
        receiver.hold = None
        # Then a new worker, driven by the sweep (what beat does every 30 s), delivers it
        with running_worker(broker, lease):

            def swept_and_sent():
                relay.sweep()
                hook.refresh_from_db()
                return hook.state == "sent"

            wait_until(swept_and_sent, interval=0.3, message="the webhook to be re-delivered")
            # And the re-deliveries the sweeps queued meanwhile are consumed before the worker stops, so that
            # a second send would show below
            wait_until(lambda: broker_idle(broker, leftover), message="re-deliveries consumed")
    # Once: one acknowledged delivery, two tries (the killed one and the good one)
    assert receiver.acknowledged(hook.key) == 1
    assert hook.attempts == 2
    receiver.close()


@override_settings(OUTBOX_NUDGE=True)
def test_submission_succeeds_while_the_broker_is_down_and_is_delivered_when_it_returns(committed_world):
    world = committed_world
    redis_server = PrivateRedis()
    redis_server.start()
    try:
        with app_broker(redis_server.url), running_worker(redis_server.url):
            # Given the broker goes down
            redis_server.stop()
            # When the applicant submits, it still succeeds, quickly, and the outbox keeps the messages
            request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
            started = time.monotonic()
            request = rq.submit_request(request_id=request.pk, user=world.applicant_a)
            assert request.status == "triage"
            assert time.monotonic() - started < 20
            assert list(OutboxMessage.objects.filter(state="pending").values_list("topic", flat=True)) == [
                "financing_request.create",
                "financing_request.submit",
                "financing_request.screen_pass",
            ]
            # Then once the broker is back the sweep (beat) hands them to the worker, which delivers them
            redis_server.start()

            def swept_and_sent():
                relay.sweep()
                return all_sent()

            wait_until(swept_and_sent, timeout=60, interval=0.5, message="delivery after the outage")
        assert Notification.objects.filter(user=world.applicant_a).count() == 2
        assert Notification.objects.values("delivery_key").distinct().count() == Notification.objects.count()
    finally:
        redis_server.stop()


@override_settings(OUTBOX_NUDGE=True)
def test_inbox_is_delivered_while_a_slow_receiver_holds_its_webhook(committed_world, broker):
    """Given a webhook receiver that answers one byte every 4 s, a worker on the `webhooks` queue and one
    on the default queue: while A's webhook is held, B's inbox notification is still delivered."""
    world = committed_world
    slow = DribblingReceiver(interval=4)
    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a,
        url=slow.url,
        secret="k",
        created_by=world.applicant_a,
        topics=["financing_request.submit"],
    )
    # A deadline long enough that the hold outlasts the test; the lease stays above the task's limit
    patient = {
        "WEBHOOK_TIMEOUT_SECONDS": "300",
        "DELIVERY_TASK_TIME_LIMIT_SECONDS": "360",
        "DELIVERY_LEASE_SECONDS": "420",
    }
    with (
        app_broker(broker),
        running_worker(broker, patient, queues="webhooks"),
        running_worker(broker, patient, queues="celery"),
    ):
        try:
            # When A submits and its webhook reaches the slow receiver
            request_a = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
            rq.submit_request(request_id=request_a.pk, user=world.applicant_a)
            assert slow.arrived.wait(60), "the webhook never reached the slow receiver"
            # And then B submits
            request_b = draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
            rq.submit_request(request_id=request_b.pk, user=world.applicant_b)
            wait_until(
                lambda: Notification.objects.filter(user=world.applicant_b).exists(),
                timeout=60,
                interval=0.2,
                message="B's inbox notification",
            )
            # Then B was told while A's webhook is still being held
            assert slow.holding == 1 and not slow.finished.is_set()
            assert Delivery.objects.get(channel="webhook").state == "sending"
        finally:
            slow.close()
