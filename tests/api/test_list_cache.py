"""The cached lists (config/api/list_cache.py): a repeated poll is answered from the shared cache without
reading the data again, and every committed write, whoever makes it and however, retires the cached pages
(config/data_generation.py). Committed transactions, because the generation moves on commit."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from config import data_generation
from coordination.models import ApiToken, FinancingRequest
from coordination.services import financing_requests as request_services
from coordination.services.tokens import issue_token, revoke
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = "/api/v1/financing-requests/"
REFERRALS = "/api/v1/referrals/"
OFFERS = "/api/v1/offers/"


@pytest.fixture(autouse=True)
def list_cache_on(settings):
    settings.API_LIST_CACHE_SECONDS = 60


@pytest.fixture
def submitted(committed_world):
    """A's request, submitted: in the Shanghai coordinator's queue."""
    world = committed_world
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    request_services.submit_request(request_id=request.pk, user=world.applicant_a)
    return request


def _purposes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["purpose"] for row in response.json()["results"]]


def _queries(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return response, len(queries)


def test_a_repeated_poll_is_answered_from_the_cache_with_the_same_bytes(committed_world, submitted, api):
    """Given the coordinator's list read once, when it is read again with nothing written in between,
    then the answer is the same bytes and no query reads the data (the token lookup is the only one)."""
    client = api(committed_world.coordinator)
    first, first_queries = _queries(lambda: client.get(REQUESTS, {"status": "triage"}))
    second, second_queries = _queries(lambda: client.get(REQUESTS, {"status": "triage"}))

    assert second.status_code == 200 and second.content == first.content
    assert first_queries > 3
    assert second_queries == 1
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", [REQUESTS, REFERRALS, OFFERS])
def test_each_busy_list_is_cached(committed_world, submitted, api, path):
    """Given any of the three busiest lists read once, when it is read again, then from the cache."""
    client = api(committed_world.coordinator)
    first = client.get(path)
    second, queries = _queries(lambda: client.get(path))

    assert first.status_code == second.status_code == 200
    assert second.content == first.content and queries == 1


def test_a_write_through_the_api_shows_in_the_next_poll(committed_world, submitted, api):
    """Given the coordinator's cached queue, when the applicant creates and submits another request through
    the API, then the coordinator's next poll lists it."""
    world = committed_world
    coordinator = api(world.coordinator)
    assert len(_purposes(coordinator.get(REQUESTS))) == 1
    applicant = api(world.applicant_a)
    body = {
        "enterprise": world.enterprise_a.pk,
        "purpose": "Second line",
        "amount": "1000000",
        "term_months": 12,
        "tranches": [{"instrument": "credit_loan", "amount": "1000000"}],
    }
    created = applicant.post(REQUESTS, body, format="json")
    assert created.status_code == 201, created.content

    assert "Second line" in _purposes(applicant.get(REQUESTS))
    assert "Second line" in _purposes(coordinator.get(REQUESTS))
    f.attach_required_documents(FinancingRequest.objects.get(pk=created.json()["id"]), world.applicant_a)
    assert applicant.post(f"{REQUESTS}{created.json()['id']}/submit/").status_code == 200

    assert [row["status"] for row in coordinator.get(REQUESTS).json()["results"]] == ["triage", "triage"]


def _orm_update(request):
    FinancingRequest.objects.filter(pk=request.pk).update(purpose="Changed")


def _save(request):
    request.refresh_from_db()
    request.purpose = "Changed"
    request.save(update_fields=["purpose"])


def _raw_sql(request):
    with connection.cursor() as cursor:
        table = FinancingRequest._meta.db_table
        cursor.execute(f"UPDATE {table} SET purpose = %s WHERE id = %s", ["Changed", request.pk])


def _in_a_transaction(request):
    with transaction.atomic():
        _orm_update(request)
        FinancingRequest.objects.filter(pk=request.pk).update(term_months=36)


@pytest.mark.parametrize("write", [_orm_update, _save, _raw_sql, _in_a_transaction])
def test_a_write_outside_the_services_shows_in_the_next_poll(committed_world, submitted, api, write):
    """Given a cached page, when the request changes by a bulk update, a save, raw SQL or a transaction,
    then the next poll shows the change."""
    client = api(committed_world.coordinator)
    assert _purposes(client.get(REQUESTS)) == ["Pilot production line"]
    write(submitted)

    assert _purposes(client.get(REQUESTS)) == ["Changed"]


def test_a_write_in_another_process_shows_in_the_next_poll(committed_world, submitted, api):
    """Given a cached page, when another process (as the Celery worker would) changes the request, then
    the next poll here shows it: the generation lives in the shared cache, not in this process."""
    client = api(committed_world.coordinator)
    assert _purposes(client.get(REQUESTS)) == ["Pilot production line"]
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        "API_LIST_CACHE_SECONDS": "60",
    }
    script = (
        "import django; django.setup(); from coordination.models import FinancingRequest; "
        f"FinancingRequest.objects.filter(pk={submitted.pk}).update(purpose='From the worker')"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)

    assert _purposes(client.get(REQUESTS)) == ["From the worker"]


def test_a_rolled_back_write_keeps_the_generation_and_the_next_write_still_moves_it(submitted):
    """Given the generation now, when a transaction writes and rolls back, then the generation is the same;
    and a committed write after it still moves the generation (the rollback left nothing behind)."""
    before = data_generation.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        FinancingRequest.objects.filter(pk=submitted.pk).update(purpose="Never")
        raise RuntimeError
    assert data_generation.current() == before

    FinancingRequest.objects.filter(pk=submitted.pk).update(purpose="Committed")
    assert data_generation.current() != before


def test_a_token_being_used_does_not_move_the_generation(committed_world, submitted):
    """Given the generation now, when a token's last use is written (every API call may do it), then the
    generation is the same: polls do not retire each other's pages."""
    before = data_generation.current()
    token, _ = issue_token(user=committed_world.coordinator)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=None)

    assert data_generation.current() != before  # issuing a token is a write like any other...
    after_issue = data_generation.current()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.created_at)
    assert data_generation.current() == after_issue  # ...its last use is not


def test_callers_at_one_address_get_their_own_pages(committed_world, submitted, api):
    """Given the coordinator's page cached, when applicant B asks for the same address, then B sees only
    B's own requests (none), not the coordinator's cached page."""
    world = committed_world
    assert _purposes(api(world.coordinator).get(REQUESTS)) == ["Pilot production line"]

    assert _purposes(api(world.applicant_b).get(REQUESTS)) == []


def test_a_revoked_token_is_refused_although_its_page_is_cached(committed_world, submitted):
    """Given a page cached for a token, when the token is revoked, then the same poll is a 401."""
    from rest_framework.test import APIClient

    token, key = issue_token(user=committed_world.coordinator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(REQUESTS).status_code == 200
    revoke(token)

    assert client.get(REQUESTS).status_code == 401


def test_a_bad_filter_is_refused_every_time(committed_world, submitted, api):
    """Given a bad filter value, when it is sent twice, then both answers are 400s naming the parameter
    (errors are not cached), and the good query after them is answered."""
    client = api(committed_world.coordinator)
    for _ in range(2):
        refused = client.get(REQUESTS, {"status": "nonsense"})
        assert refused.status_code == 400 and "status" in refused.json()["error"]["fields"]

    assert _purposes(client.get(REQUESTS, {"status": "triage"})) == ["Pilot production line"]


def test_the_cache_is_off_without_a_shared_cache(committed_world, submitted, api, settings):
    """Given API_LIST_CACHE_SECONDS = 0 (the embedded default, one process's memory), when a list is read
    twice, then both reads query the data."""
    settings.API_LIST_CACHE_SECONDS = 0
    client = api(committed_world.coordinator)
    client.get(REQUESTS)
    _, queries = _queries(lambda: client.get(REQUESTS))

    assert queries > 3


def test_a_list_is_answered_while_the_shared_cache_is_unreachable(
    committed_world, submitted, api, monkeypatch
):
    """Given a cached page, when Redis cannot be reached, then the list is still answered, from the
    database (the change made meanwhile shows), not a 500."""
    from django.core.cache import caches
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = api(committed_world.coordinator)
    assert _purposes(client.get(REQUESTS)) == ["Pilot production line"]

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    for method in ("get", "get_or_set", "set"):
        monkeypatch.setattr(type(caches["default"]), method, unreachable)
    FinancingRequest.objects.filter(pk=submitted.pk).update(purpose="Changed while Redis was away")

    assert _purposes(client.get(REQUESTS)) == ["Changed while Redis was away"]


def test_a_page_is_stored_under_the_generation_read_before_the_caller(
    committed_world, submitted, api, monkeypatch
):
    """Given a write that commits while a poll authenticates its caller (after the caller's row was read),
    when the poll is answered, then its page is stored under the generation from before that write, so the
    next poll reads afresh instead of being served a page built from the caller's old row."""
    from coordination.api import authentication

    client = api(committed_world.coordinator)
    reads_the_caller = authentication.user_for_key

    def a_write_commits_meanwhile(key):
        found = reads_the_caller(key)
        data_generation.bump()
        return found

    monkeypatch.setattr(authentication, "user_for_key", a_write_commits_meanwhile)
    client.get(REQUESTS)
    monkeypatch.setattr(authentication, "user_for_key", reads_the_caller)
    _, queries = _queries(lambda: client.get(REQUESTS))

    assert queries > 3


@pytest.mark.parametrize(
    ("sql", "moves"),
    [
        ('SELECT "id" FROM "coordination_financingrequest"', False),
        ('SAVEPOINT "s1"', False),
        ("SET TIME ZONE 'UTC'", False),
        ('UPDATE "coordination_apitoken" SET "last_used_at" = %s WHERE "id" = %s', False),
        ('DELETE FROM "django_session" WHERE "session_key" = %s', False),
        ('UPDATE "coordination_financingrequest" SET "purpose" = %s', True),
        (
            "INSERT INTO coordination_referencecounter (year) VALUES (%s) ON CONFLICT (year) DO UPDATE",
            True,
        ),
        ('INSERT OR IGNORE INTO "coordination_delivery" ("id") VALUES (%s)', True),
        ('WITH moved AS (SELECT 1) INSERT INTO "coordination_tranche" SELECT * FROM moved', True),
        ('/* a comment */ UPDATE "coordination_financingrequest" SET "purpose" = %s', True),
        ('TRUNCATE "coordination_apitoken", "coordination_financingrequest"', True),
    ],
)
def test_what_counts_as_a_write(sql, moves):
    """Anything but a read or transaction control moves the generation, unless it plainly writes a quiet
    table: a statement the rule does not recognise counts as a write (a spare bump, never a stale page)."""
    assert data_generation.moves_generation(sql) is moves
