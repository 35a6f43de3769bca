"""coordination/workflow/calendar_data.py: the service levels and holidays are read once and then from the
cache, an edit (save or delete) forgets them, and the cache keeps them for REFERENCE_CACHE_SECONDS at most."""

from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination.models import Holiday, ServiceLevel
from coordination.workflow import calendar_data
from coordination.workflow.business_days import SHANGHAI, add_business_days
from coordination.workflow.deadlines import service_level, stage_due_times
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    """The cache switched on (the test settings leave it off), without what an earlier test left in it."""
    settings.REFERENCE_CACHE_SECONDS = 300
    cache.delete(calendar_data.KEY)
    yield
    cache.delete(calendar_data.KEY)  # this test's rows roll back: they must not outlive it in the cache


def _reads_of_the_tables(queries) -> int:
    tables = (ServiceLevel._meta.db_table, Holiday._meta.db_table)
    return sum(1 for q in queries.captured_queries if any(t in q["sql"] for t in tables))


def test_read_once_then_from_the_cache(cached):
    # Given a regional service level and a holiday
    shanghai = RegionFactory(code="310000")
    ServiceLevel.objects.create(stage="triage", region=shanghai, business_days=2, remind_days_before=1)
    Holiday.objects.create(date=date(2026, 10, 9), is_workday=False, name="test holiday")

    # When deadlines are worked out twice
    with CaptureQueriesContext(connection) as first_time:
        first = (service_level("triage", shanghai), add_business_days(date(2026, 9, 30), 2))
    with CaptureQueriesContext(connection) as second_time:
        second = (service_level("triage", shanghai), add_business_days(date(2026, 9, 30), 2))

    # Then the tables were read the first time only, with the same answers
    assert first == second == ((2, 1), date(2026, 10, 10))
    assert _reads_of_the_tables(first_time) == 2
    assert _reads_of_the_tables(second_time) == 0


def test_a_saved_service_level_is_seen_at_once(cached):
    # Given the default triage level cached
    shanghai = RegionFactory(code="310000")
    assert service_level("triage", shanghai) == (3, 1)

    # When the admin adds a regional override, then edits it
    level = ServiceLevel.objects.create(
        stage="triage", region=shanghai, business_days=2, remind_days_before=0
    )
    after_add = service_level("triage", shanghai)
    level.business_days = 5
    level.save()
    after_edit = service_level("triage", shanghai)

    # Then each answer follows the table
    assert (after_add, after_edit) == ((2, 0), (5, 0))


def test_a_deleted_holiday_is_seen_at_once(cached):
    # Given a holiday in the table, cached
    holiday = Holiday.objects.create(date=date(2026, 10, 9), is_workday=False, name="test holiday")
    assert add_business_days(date(2026, 9, 30), 2) == date(2026, 10, 10)

    # When it is deleted
    holiday.delete()

    # Then the package's calendar counts again: Wed 09-30 + 2 is 10-08 (1), Fri 10-09 (2)
    assert add_business_days(date(2026, 9, 30), 2) == date(2026, 10, 9)


def test_staleness_is_bounded_by_the_timeout(cached, settings, monkeypatch):
    # Given the cache's writes watched
    timeouts = []
    real_set = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, value, timeout: (timeouts.append(timeout), real_set(key, value, timeout))
    )
    settings.REFERENCE_CACHE_SECONDS = 120

    # When the tables are read through the cache
    service_level("triage", None)

    # Then they are kept for the configured seconds, not for good
    assert timeouts == [120]


def test_switched_off_every_read_goes_to_the_tables(settings):
    # Given the cache off (the test settings' default)
    settings.REFERENCE_CACHE_SECONDS = 0

    # When deadlines are worked out twice
    with CaptureQueriesContext(connection) as queries:
        service_level("triage", None)
        service_level("triage", None)

    # Then each read the tables
    assert _reads_of_the_tables(queries) == 4


def test_a_deadline_costs_one_cache_read(cached, monkeypatch):
    # Given the tables cached
    shanghai = RegionFactory(code="310000")
    service_level("triage", shanghai)
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *args: (reads.append(key), real_get(key, *args))[1])

    # When the due times of a stage are worked out
    stage_due_times("triage", shanghai, datetime(2026, 9, 29, 10, tzinfo=SHANGHAI))

    # Then both tables came from one read of the cache
    assert reads == [calendar_data.KEY]
