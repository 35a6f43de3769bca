"""/metrics: request metrics and backlog gauges for whoever the settings name, a 404 for anyone else."""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from coordination.models import Deadline, Delivery, OutboxMessage
from coordination.services import financing_requests as rq
from tests.factories import draft_request
from tests.support.processes import app_broker

pytestmark = pytest.mark.django_db


def gauge(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in the scrape"
    return float(match.group(1))


@override_settings(METRICS_ALLOWED_IPS=[], METRICS_TOKEN="")
def test_given_no_reader_configured_when_anyone_asks_then_metrics_are_a_404(client):
    assert client.get("/metrics").status_code == 404


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.9"], METRICS_TOKEN="scrape-secret")
def test_given_a_token_and_an_address_then_only_those_read_the_metrics(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    # A forwarded-for header is written by the client: it grants nothing.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.0.0.9").status_code == 404


@override_settings(METRICS_ALLOWED_IPS=["127.0.0.1"])
def test_request_latency_and_counts_are_exported(client):
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert re.search(
        r'^django_http_requests_latency_seconds_by_view_method_count\{.*view="healthz".*\} [1-9]', text, re.M
    )
    assert re.search(r'^django_http_responses_total_by_status_total\{status="200"\} [1-9]', text, re.M)


@override_settings(METRICS_ALLOWED_IPS=["127.0.0.1"], METRICS_QUEUES=["celery"])
def test_backlog_gauges_count_pending_messages_undelivered_deliveries_and_overdue_deadlines(world, client):
    # Given a submitted request (outbox messages waiting, deadlines ahead) and one deadline overdue
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    pending = OutboxMessage.objects.filter(state="pending").count()
    first = OutboxMessage.objects.first()
    Delivery.objects.create(message=first, channel="inbox", user=world.applicant_a, key="k1")
    Delivery.objects.create(message=first, channel="inbox", user=world.coordinator, key="k2", state="dead")
    Delivery.objects.create(message=first, channel="inbox", user=world.national, key="k3", state="sent")
    overdue = Deadline.objects.filter(state="pending").first()
    Deadline.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    # When Prometheus scrapes
    text = client.get("/metrics").content.decode()
    # Then the gauges say what the tables hold
    assert pending > 0 and gauge(text, "techfin_outbox_backlog") == pending
    assert gauge(text, 'techfin_deliveries_undelivered{state="pending"}') == 1
    assert gauge(text, 'techfin_deliveries_undelivered{state="dead"}') == 1
    assert gauge(text, 'techfin_deliveries_undelivered{state="sending"}') == 0
    assert gauge(text, "techfin_deadlines_overdue") == 1


@pytest.mark.services
@override_settings(METRICS_ALLOWED_IPS=["127.0.0.1"], METRICS_QUEUES=["celery", "webhooks"])
def test_queue_depth_is_what_waits_in_the_broker(client, redis_broker):
    import redis

    redis.Redis.from_url(redis_broker).flushdb()
    with app_broker(redis_broker) as app:
        # Given three tasks sent while no worker runs
        for _ in range(3):
            app.send_task("coordination.sweep_outbox")
        text = client.get("/metrics").content.decode()
    redis.Redis.from_url(redis_broker).flushdb()
    # Then the depth counts them, and a queue nothing was sent to is empty
    assert gauge(text, 'techfin_queue_depth{queue="celery"}') == 3
    assert gauge(text, 'techfin_queue_depth{queue="webhooks"}') == 0
