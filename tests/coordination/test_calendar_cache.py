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
    cache.delete_many(list(calendar_data.keys()))
    yield
    # This test's rows roll back: they must not outlive it in the cache.
    cache.delete_many(list(calendar_data.keys()))


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
    real_get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: (reads.append(keys), real_get_many(keys))[1])

    # When the due times of a stage are worked out
    stage_due_times("triage", shanghai, datetime(2026, 9, 29, 10, tzinfo=SHANGHAI))

    # Then both tables came from one read of the cache
    assert reads == [list(calendar_data.keys())]


def test_rows_read_before_an_edit_and_kept_after_it_are_read_again(cached):
    # Given a reader that read the tables, and an edit that committed before the reader kept what it read
    ServiceLevel.objects.filter(stage="triage").delete()
    level = ServiceLevel.objects.create(stage="triage", business_days=4, remind_days_before=1)
    before = calendar_data._read()
    token = cache.get(calendar_data.keys()[1])
    level.business_days = 6
    level.save()  # its receiver replaces the token (and would again at its commit)
    cache.set(calendar_data.keys()[0], (token, before), timeout=300)

    # When the next deadline reads the tables through the cache
    days = service_level("triage", None)

    # Then it sees the edit, not the rows kept under the old token
    assert days == (6, 1)


def test_a_region_code_edit_is_seen_at_once(cached):
    # Given a service level of a region, cached
    region = RegionFactory(code="910000", name="甲省")
    ServiceLevel.objects.create(stage="triage", region=region, business_days=29, remind_days_before=1)
    assert service_level("triage", region)[0] == 29

    # When the region's code is corrected in the admin
    region.code = "920000"
    region.save()

    # Then the service level is matched by the new code at once, and no longer by the old one
    assert service_level("triage", region)[0] == 29
    assert service_level("triage", RegionFactory(code="910000", name="乙省"))[0] != 29


def test_switched_off_a_calendar_reads_only_the_holidays(settings):
    # Given the cache off (the test settings' default)
    settings.REFERENCE_CACHE_SECONDS = 0

    # When business days are counted
    with CaptureQueriesContext(connection) as queries:
        add_business_days(date(2026, 9, 29), 5)

    # Then the holiday table was read, and the service levels were not
    assert sum(1 for q in queries.captured_queries if Holiday._meta.db_table in q["sql"]) == 1
    assert not any(ServiceLevel._meta.db_table in q["sql"] for q in queries.captured_queries)


def test_each_database_keeps_its_own_rows(cached, monkeypatch):
    # Given the rows of this database in the cache
    ServiceLevel.objects.create(stage="triage", region=None, business_days=2, remind_days_before=1)
    calendar_data.calendar_data()
    # When the same code reads through another database behind the same cache (a bench's beside this one)
    monkeypatch.setitem(connection.settings_dict, "NAME", connection.settings_dict["NAME"] + "_other")
    other_keys = calendar_data.keys()
    # Then it finds nothing kept under its keys: it reads its own tables
    assert cache.get_many(list(other_keys)) == {}
    with CaptureQueriesContext(connection) as queries:
        calendar_data.calendar_data()
    assert _reads_of_the_tables(queries) == 2
    cache.delete_many(list(other_keys))
