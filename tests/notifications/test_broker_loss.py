"""The worker lives through broker outages: it reconnects, and nothing is lost or delivered twice.

Two crashes, each reproduced here step by step and explained in coordination/worker_resilience.py:
the probe's (1 in 14 outages: `AttributeError: 'NoneType' object has no attribute 'hostname'`), a
Redis channel used after Celery closed its connection; and `UnpicklingError: invalid load key` (seen
in 1 of ~30 outages under load), a child's result read from its middle after the event loop's reset.
"""

import json
import logging
import os
import pickle
import re
import struct
from collections import defaultdict
from email import message_from_bytes
from pathlib import Path

import pytest
from billiard.pool import READY
from celery.concurrency import asynpool
from django.test import override_settings
from kombu import Connection, Consumer, Queue
from kombu.asynchronous import Hub
from kombu.common import ignore_errors

from config.celery import app
from coordination import worker_resilience
from coordination.models import Delivery, Notification, OutboxMessage, WebhookSubscription
from coordination.notifications import relay
from coordination.services import financing_requests as rq
from tests.factories import draft_request
from tests.support.processes import PrivateRedis, app_broker, running_worker, wait_until
from tests.support.receiver import Receiver

STOCK_TRANSPORT = "kombu.transport.redis:Transport"
HOSTNAME_CRASH = "'NoneType' object has no attribute 'hostname'"
OUTAGES = 20
logger = logging.getLogger(__name__)


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()


def crash_the_broker_mid_task(connection: Connection, server: PrivateRedis):
    """Bring a worker's broker connection to where a crash finds it, then crash the broker.

    The task channel holds an unacknowledged message (a task running with late acks) and, like the
    worker's other consumers, a second channel waits in BRPOP. After the kill, the connection is
    collected as Celery's consumer does on a connection error
    (`Consumer.on_connection_error_after_connected`: `collect()`, then `close()` under `ignore_errors`,
    which the test calls itself). Returns the unacknowledged message.
    """
    with Connection(server.url) as producer:
        producer.SimpleQueue("tasks").put({"task": "deliver"})
    received = []

    def keep(_body, message):
        received.append(message)

    Consumer(connection.default_channel, [Queue("tasks")], callbacks=[keep]).consume()
    Consumer(connection.channel(), [Queue("control")], callbacks=[keep]).consume()
    connection.drain_events(timeout=5)
    with pytest.raises(TimeoutError):
        connection.drain_events(timeout=0.2)  # both channels now wait in BRPOP
    server.kill()
    connection.collect(socket_timeout=1)
    return received[0]


@pytest.mark.services
def test_given_kombus_stock_redis_transport_when_the_broker_dies_mid_task_then_cleanup_crashes(private_redis):
    connection = Connection(private_redis.url, transport=STOCK_TRANSPORT)
    message = crash_the_broker_mid_task(connection, private_redis)
    # The consumer's close escapes `ignore_errors` (the worker's "Unrecoverable error"), and so does a
    # late ack from a task that finishes afterwards
    with pytest.raises(AttributeError, match=HOSTNAME_CRASH):
        ignore_errors(connection, connection.close)
    with pytest.raises(AttributeError, match=HOSTNAME_CRASH):
        message.ack_log_error(logger, connection.connection_errors)


@pytest.mark.services
def test_given_the_apps_transport_when_the_broker_dies_mid_task_then_cleanup_and_late_ack_are_absorbed(
    private_redis, caplog
):
    connection = app.connection_for_read(private_redis.url)
    assert isinstance(connection.transport, worker_resilience.Transport)
    message = crash_the_broker_mid_task(connection, private_redis)
    ignore_errors(connection, connection.close)
    private_redis.start()
    with caplog.at_level(logging.CRITICAL, logger=__name__):
        message.ack_log_error(logger, connection.connection_errors)
    assert "Couldn't ack" in caplog.text
    assert isinstance(caplog.records[-1].exc_info[1], worker_resilience.DetachedChannelError)


def read_results_across_a_loop_reset(handler_class) -> list:
    """Two results from a pool process, the first split by the event loop's reset on a broker loss."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    # Only the parts of the handler that the event loop uses: a real pool would fork processes.
    handler = handler_class.__new__(handler_class)
    handler.fileno_to_outq = {read_end: object()}
    received = []
    handler.on_state_change = received.append
    hub = Hub()
    handler.register_with_event_loop(hub)
    first, second = (pickle.dumps((READY, (job, (True, "sent")))) for job in (1, 2))
    try:
        os.write(write_end, struct.pack(">i", len(first)))
        handler.handle_event(read_end)  # the length is read; the body has not been written yet
        hub.reset()  # what `asynloop` does on the connection error
        handler.register_with_event_loop(hub)  # and the pool on the reconnection
        os.write(write_end, first + struct.pack(">i", len(second)) + second)
        for _ in range(3):
            handler.handle_event(read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    return received


def test_given_celerys_result_handler_when_the_loop_resets_mid_result_then_both_results_are_lost():
    # The pipe is read afresh from the middle of the first message: a garbage length, then nothing
    # more makes sense (a real worker dies of an UnpicklingError or blocks on it at shutdown)
    assert read_results_across_a_loop_reset(asynpool.ResultHandler) == []


def test_given_the_apps_result_handler_when_the_loop_resets_mid_result_then_both_results_arrive():
    assert read_results_across_a_loop_reset(worker_resilience.ResultHandler) == [
        (READY, (1, (True, "sent"))),
        (READY, (2, (True, "sent"))),
    ]


def reconnections(worker) -> int:
    return worker.log().count("Connected to redis://")


def mailed_delivery_ids(folder: Path) -> list[str]:
    """The delivery key behind each e-mail the file backend wrote, from its stable Message-ID."""
    ids = []
    for path in folder.glob("*.log"):
        for raw in re.split(rb"\n-{79}\n", path.read_bytes()):
            if raw.strip():
                message_id = message_from_bytes(raw.strip())["Message-ID"]
                ids.append(message_id.strip("<>").removesuffix("@techfin.invalid").replace(".", ":"))
    return ids


def all_delivered() -> bool:
    relay.sweep()  # what beat does every 30 s
    return (
        not OutboxMessage.objects.exclude(state="sent").exists()
        and not Delivery.objects.exclude(state="sent").exists()
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@override_settings(OUTBOX_NUDGE=True)
def test_twenty_broker_crashes_leave_the_worker_alive_and_every_notification_delivered_once(
    committed_world, private_redis, tmp_path
):
    world = committed_world
    receiver = Receiver()
    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a, url=receiver.url, secret="k", created_by=world.applicant_a
    )
    mail = tmp_path / "mail"
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
        # A delivery whose task vanished with the broker is retried by the sweep within seconds.
        "DELIVERY_LEASE_SECONDS": "3",
        "DELIVERY_RETRY_BASE_SECONDS": "0.5",
        "DELIVERY_RETRY_MAX_SECONDS": "2",
    }
    submitted = 0
    # The worker as the Procfile runs it: prefork, two processes, gossip and heartbeat
    worker_options = {"pool": None, "concurrency": 2, "peers": True, "loglevel": "INFO"}
    with app_broker(private_redis.url), running_worker(private_redis.url, env, **worker_options) as worker:
        try:
            wait_until(lambda: reconnections(worker) == 1, message="the worker to connect")
            for outage in range(1, OUTAGES + 1):
                # Given the worker is busy with a submission
                request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
                rq.submit_request(request_id=request.pk, user=world.applicant_a)
                submitted += 1
                wait_until(
                    lambda r=request: Delivery.objects.filter(message__request=r, state="sent").exists(),
                    message="the worker to start on the submission",
                )
                # When the broker crashes under it, a submission arrives meanwhile, and the broker returns
                private_redis.kill()
                request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
                rq.submit_request(request_id=request.pk, user=world.applicant_a)
                submitted += 1
                private_redis.start()
                # Then the worker reconnects on its own
                wait_until(
                    lambda n=outage: reconnections(worker) > n or not worker.alive,
                    message=f"the worker to reconnect after outage {outage}",
                )
                assert worker.alive, f"the worker died in outage {outage}"
            wait_until(all_delivered, timeout=60, interval=0.5, message="every delivery sent")
            assert worker.alive
        except AssertionError:
            print(worker.log()[-20000:])  # what the worker said, shown with the failure
            raise
    receiver.close()

    # Every submission: two inbox notifications for the applicant, one for the coordinator, each once
    inbox = Delivery.objects.filter(channel="inbox")
    assert inbox.count() == Notification.objects.count() == 3 * submitted
    assert set(Notification.objects.values_list("delivery_key", flat=True)) == set(
        inbox.values_list("key", flat=True)
    )
    # Webhooks and e-mails: each delivery arrived at least once, and each message under one delivery id
    hooks = set(Delivery.objects.filter(channel="webhook").values_list("key", flat=True))
    assert len(hooks) == 2 * submitted  # the enterprise hears of the submission and the screening
    assert all(receiver.acknowledged(key) >= 1 for key in hooks)
    ids_by_body = defaultdict(set)
    for received in receiver.received:
        body = json.loads(received.body)
        ids_by_body[json.dumps(body, sort_keys=True).replace(body["delivery_id"], "")].add(
            body["delivery_id"]
        )
    assert all(len(ids) == 1 for ids in ids_by_body.values())
    assert set().union(*ids_by_body.values()) == hooks
    emails = set(Delivery.objects.filter(channel="email").values_list("key", flat=True))
    assert emails and set(mailed_delivery_ids(mail)) == emails
