"""Schemathesis against the published OpenAPI schema, in-process through the WSGI app, once per role.

Every operation of /api/v1/schema/ is called with generated input (valid and invalid) as an applicant, a
bank reviewer, a regional and a national coordinator; each response must not be a 5xx, must use a
documented status code and content type, and must match the documented body. Path ids are steered
towards objects that exist, so the success bodies are checked too. Deterministic and bounded.
"""

import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

MAX_EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["applicant", "bank_reviewer", "regional_coordinator", "national_coordinator"]

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """Built once per module inside an outer transaction that is rolled back at the end; each test runs in
    a savepoint of it (the `db` fixture), like TestCase.setUpTestData."""
    # The WSGI handler closes "old" connections around each request, which inside the test's transaction
    # would end the transaction; Django's test client disconnects the same receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def build_world():
    """The suite's world plus one object of each kind, reached through the services."""
    from coordination.models import Notification, RequestDocument, WebhookSubscription
    from coordination.services import financing_requests as request_services
    from coordination.services import referrals as referral_services
    from coordination.services import routing
    from coordination.services import webhooks as webhook_services
    from coordination.services.tokens import issue_token
    from tests import factories as f
    from tests.conftest import World

    world = World()

    draft = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    routed = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    request_services.submit_request(request_id=routed.pk, user=world.applicant_a)
    routing.route_request(request_id=routed.pk, user=world.national, product_ids=[world.loan_x.pk])
    referral = routed.referrals.get()
    referral_services.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = referral_services.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=Decimal("3000000"),
        annual_rate=Decimal("0.031"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    users = {
        "applicant": world.applicant_a,
        "bank_reviewer": world.bank_x_user,
        "regional_coordinator": world.coordinator,
        "national_coordinator": world.national,
    }
    for name, user in users.items():
        Notification.objects.create(
            user=user, topic="request.submitted", title="Submitted", request=routed, delivery_key=f"st-{name}"
        )
    webhook_services.subscribe(
        user=world.applicant_a,
        url="https://hooks.example.cn/a",
        topics=[],
        party="enterprise",
        party_id=world.enterprise_a.pk,
    )
    webhook_services.subscribe(
        user=world.coordinator, url="https://hooks.example.cn/c", topics=[], party="coordinator"
    )
    world.tokens = {name: issue_token(user=user, name="schemathesis")[1] for name, user in users.items()}
    world.path_ids = {
        "enterprises": [world.enterprise_a.pk, world.enterprise_b.pk],
        "financing-requests": [draft.pk, routed.pk],
        "documents": list(RequestDocument.objects.values_list("pk", flat=True)),
        "institutions": [world.bank_x.pk, world.vc.pk],
        "major-tasks": [world.major_task.pk],
        "products": [world.loan_x.pk, world.equity.pk],
        "referrals": [referral.pk],
        "offers": [offer.pk],
        "notifications": list(Notification.objects.values_list("pk", flat=True)),
        "webhooks": list(WebhookSubscription.objects.values_list("pk", flat=True)),
        "regions": [world.shanghai.code, world.pudong.code, world.haidian.code],
        "fields": [world.major_task.field.code],
    }
    return world


def steer_path_parameters(case, path_ids: dict) -> None:
    """Most generated ids become ids that exist (so 200 bodies are checked); some stay as generated."""
    resource = case.path.split("/")[3]
    for name, value in (case.path_parameters or {}).items():
        pool = path_ids.get("documents" if name == "document_id" else resource)
        if isinstance(value, bool) or not pool:
            continue
        if isinstance(value, int):
            if value < 0 or value % 5 != 4:
                case.path_parameters[name] = pool[abs(value) % len(pool)]
        elif isinstance(value, str) and isinstance(pool[0], str):
            number = zlib.crc32(value.encode())
            if number % 5 != 4:
                case.path_parameters[name] = pool[number % len(pool)]


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, role, api_world, db):
    cache.clear()  # throttle counters: keep the writes reaching the views
    steer_path_parameters(case, api_world.path_ids)
    case.call_and_validate(headers={"Authorization": f"Bearer {api_world.tokens[role]}"}, checks=CHECKS)
