"""The webhook sender: a deadline for the whole request, the vetted address only, short and plain records."""

import socket
import ssl
import threading

import pytest
import trustme

from coordination.models import Delivery, OutboxMessage, WebhookSubscription
from coordination.notifications import relay, transport, url_policy
from coordination.services import financing_requests as rq
from tests.factories import draft_request
from tests.support import dns
from tests.support.processes import wait_until
from tests.support.receiver import DribblingReceiver, Receiver

pytestmark = pytest.mark.django_db
real_dispatch = relay.dispatch  # before the fixture below replaces it


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)


def test_whole_request_deadline_cuts_a_receiver_that_dribbles_its_answer(settings):
    # Given a receiver whose every byte comes well within any per-read timeout, but whose whole
    # answer (about 75 bytes at 4 per second) takes far longer than the deadline
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.5
    slow = DribblingReceiver(interval=0.25)
    try:
        # When a webhook is posted to it
        with pytest.raises(transport.DeliveryFailed) as failed:
            transport.post(url_policy.vet(slow.url), b"{}", {"Content-Type": "application/json"})
        # Then the sender gave up at the deadline, before the answer was complete
        assert str(failed.value) == transport.TIMED_OUT
        assert slow.arrived.is_set() and not slow.finished.is_set()
        wait_until(lambda: slow.holding == 0, timeout=10, message="the receiver to notice the hang-up")
        assert not slow.finished.is_set()
    finally:
        slow.close()


def test_sender_connects_to_the_vetted_address_and_sends_the_name_as_host(monkeypatch):
    # Given a name that only the URL policy's resolver knows, pointing at a loopback receiver
    receiver = Receiver()
    port = receiver.server.server_port
    dns.install(monkeypatch, {"pinned.example.net": ["127.0.0.1"]})
    try:
        # When a webhook is posted to the name
        reply = transport.post(url_policy.vet(f"http://pinned.example.net:{port}/hook"), b"{}", {})
        # Then it reached the vetted address, and the receiver saw the name it was addressed by
        assert reply.status == 200
        assert receiver.received[0].headers["Host"] == f"pinned.example.net:{port}"
    finally:
        receiver.close()


def test_socket_to_an_address_that_was_not_vetted_is_never_opened():
    # Given a target vetted for one loopback address, while the URL names another one
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    target = url_policy.Target(
        url=f"http://127.0.0.1:{port}/", host="127.0.0.1", port=port, addresses=("127.0.0.2",)
    )
    # When the sender is asked to post there, it refuses at the socket and nothing connects
    with pytest.raises(transport.DeliveryFailed, match=transport.REFUSED):
        transport.post(target, b"{}", {})
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


def attempt_webhook(world, url: str):
    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a,
        url=url,
        secret="k",
        created_by=world.applicant_a,
        topics=["financing_request.submit"],
    )
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    for message_id in OutboxMessage.objects.values_list("pk", flat=True):
        relay.fan_out(message_id)
    hook = Delivery.objects.get(channel="webhook")
    relay.attempt(hook.pk)
    hook.refresh_from_db()
    return hook, hook.attempt_log.get()


def test_only_a_short_excerpt_of_the_answer_is_stored(world):
    # Given a receiver that fails with a 10 kB body containing NUL bytes
    receiver = Receiver(status=500, answer=b"\x00error " * 1250)
    try:
        hook, attempt = attempt_webhook(world, receiver.url)
    finally:
        receiver.close()
    # Then the try is logged with the status and at most 256 characters of the body
    assert hook.state == "pending" and hook.last_error == "receiver answered 500"
    assert attempt.response_status == 500
    assert attempt.response_excerpt.startswith("error error")
    assert len(attempt.response_excerpt) <= transport.EXCERPT_CHARS


@pytest.fixture
def banner_service():
    """A loopback service that is not HTTP: it greets with a banner and hangs up (Redis, SSH, …)."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.sendall(b"-ERR wrong number of arguments for 'post' command\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    server.close()


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


@pytest.mark.parametrize("target", ["banner", "closed"])
def test_failures_are_logged_without_what_the_target_said(world, banner_service, target):
    url = banner_service if target == "banner" else closed_port()
    hook, attempt = attempt_webhook(world, url)
    assert attempt.error == hook.last_error == transport.CONNECTION_FAILED
    assert attempt.response_excerpt == "" and attempt.response_status is None


def test_webhooks_have_their_own_queue_and_everything_else_the_default_one():
    from config.celery import app

    def queue_of(task: str) -> str:
        return app.amqp.router.route({}, task)["queue"].name

    assert queue_of("coordination.deliver_webhook") == "webhooks"
    assert {queue_of(t) for t in ("coordination.deliver", "coordination.relay_message")} == {"celery"}


def test_dispatch_hands_webhooks_to_their_own_task(world, monkeypatch):
    from coordination import tasks

    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a,
        url="https://hooks.example.cn/",
        secret="k",
        created_by=world.applicant_a,
    )
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    for message_id in OutboxMessage.objects.values_list("pk", flat=True):
        relay.fan_out(message_id)
    sent = []
    # The relay names its tasks; the registered task objects are what a named signature sends through.
    for task in (tasks.deliver, tasks.deliver_webhook):
        name = task.name.split(".")[-1]
        monkeypatch.setattr(task, "apply_async", lambda a, *_, n=name, **__: sent.append((n, a[0])))
    channel = dict(Delivery.objects.values_list("pk", "channel"))
    real_dispatch(list(channel))
    assert sorted(pk for _, pk in sent) == sorted(channel)
    assert all((task == "deliver_webhook") == (channel[pk] == "webhook") for task, pk in sent)
    assert {task for task, _ in sent} == {"deliver", "deliver_webhook"}


@pytest.mark.parametrize(
    ("lease", "limit", "deadline", "errors"),
    [
        (120, 60, 10, []),
        (60, 60, 10, ["coordination.E101"]),
        (30, 60, 10, ["coordination.E101"]),
        (120, 60, 55, ["coordination.E102"]),
    ],
)
def test_system_check_keeps_the_lease_above_the_task_limit_and_the_deadline_below_it(
    settings, lease, limit, deadline, errors
):
    from coordination.notifications.checks import delivery_limits

    settings.DELIVERY_LEASE_SECONDS = lease
    settings.DELIVERY_TASK_TIME_LIMIT_SECONDS = limit
    settings.WEBHOOK_TIMEOUT_SECONDS = deadline
    assert [e.id for e in delivery_limits(None)] == errors


@pytest.fixture
def tls_receiver(settings, tmp_path):
    """An https receiver on loopback whose certificate names `tls.example.net`, from a CA we trust."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("tls.example.net").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    settings.WEBHOOK_CA_BUNDLE = str(bundle)
    receiver = Receiver(tls=context)
    yield receiver
    receiver.close()


def test_https_is_verified_against_the_name_while_connected_to_the_pinned_address(tls_receiver, monkeypatch):
    # Given two names pinned to the same loopback receiver; its certificate names only the first
    port = tls_receiver.server.server_port
    dns.install(monkeypatch, {"tls.example.net": ["127.0.0.1"], "other.example.net": ["127.0.0.1"]})
    # When a webhook is posted under each name
    reply = transport.post(url_policy.vet(f"https://tls.example.net:{port}/hook"), b"{}", {})
    with pytest.raises(transport.DeliveryFailed, match=transport.CONNECTION_FAILED):
        transport.post(url_policy.vet(f"https://other.example.net:{port}/hook"), b"{}", {})
    # Then only the name the certificate carries was delivered, with that name as Host
    assert reply.status == 200
    assert [r.headers["Host"] for r in tls_receiver.received] == [f"tls.example.net:{port}"]
