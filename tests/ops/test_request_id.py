"""A request id (X-Request-ID, or one made up) on the response, the outbox message and the worker's logs."""

import logging
import uuid

import pytest
from django.test import override_settings
from django_guid.log_filters import CorrelationId

from config import request_id
from coordination.models import OutboxMessage
from coordination.notifications import relay
from tests.factories import draft_request
from tests.support.processes import app_broker, running_worker, wait_until


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    from coordination.services.tokens import issue_token

    def client_for(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=user)[1]}")
        return client

    return client_for


def caused_by_submit(request):
    """The messages the API call wrote (the draft's `create` message was written by the factory)."""
    return OutboxMessage.objects.filter(request=request).exclude(topic="financing_request.create")


def submit(api, world, **headers):
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    response = api(world.applicant_a).post(
        f"/api/v1/financing-requests/{request.pk}/submit/", {}, format="json", **headers
    )
    assert response.status_code == 200, response.json()
    return request, response


@pytest.mark.django_db
def test_given_an_x_request_id_then_the_response_and_the_outbox_messages_carry_it(world, api):
    rid = uuid.uuid4().hex
    request, response = submit(api, world, HTTP_X_REQUEST_ID=rid)
    assert response["X-Request-ID"] == rid
    messages = caused_by_submit(request)
    assert messages.exists() and {m.correlation_id for m in messages} == {rid}


@pytest.mark.django_db
def test_given_no_usable_id_then_one_is_made_up_and_carried_on(world, api):
    request, response = submit(api, world, HTTP_X_REQUEST_ID="not an id\nforged log line")
    made_up = response["X-Request-ID"]
    assert made_up and "\n" not in made_up and made_up != "not an id\nforged log line"
    assert set(caused_by_submit(request).values_list("correlation_id", flat=True)) == {made_up}


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(CorrelationId())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.mark.django_db
def test_a_message_relayed_by_the_sweep_is_logged_under_the_request_that_caused_it(world, api):
    # Given a message whose nudge was lost (no broker call): the sweep relays it later, outside any request
    rid = uuid.uuid4().hex
    submit(api, world, HTTP_X_REQUEST_ID=rid)
    handler = Collect()
    logging.getLogger("coordination.notifications.relay").addHandler(handler)
    try:
        with app_broker("memory://"):
            relay.sweep()
    finally:
        logging.getLogger("coordination.notifications.relay").removeHandler(handler)
    fanned = [
        r for r in handler.records if "fanned out" in r.getMessage() and ".create)" not in r.getMessage()
    ]
    assert fanned and {r.correlation_id for r in fanned} == {rid}
    assert request_id.current() == ""  # and nothing leaks into what this process does next


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@override_settings(OUTBOX_NUDGE=True)
def test_the_worker_logs_the_task_a_request_caused_under_that_request_id(committed_world, api, redis_broker):
    import redis

    redis.Redis.from_url(redis_broker).flushdb()
    rid = uuid.uuid4().hex
    with app_broker(redis_broker), running_worker(redis_broker, loglevel="INFO") as worker:
        request, _ = submit(api, committed_world, HTTP_X_REQUEST_ID=rid)
        wait_until(
            lambda: not OutboxMessage.objects.filter(request=request, state="pending").exists(),
            message="the worker to relay the submission",
        )
    log = worker.log()
    assert f"[{rid}]" in log and "fanned out" in log.split(f"[{rid}]", 1)[1], log[-2000:]
