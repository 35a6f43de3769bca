"""Plain-SQL reads: several sent as one, and querysets compiled once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination.selectors import plain_sql
from projects.models import Region

pytestmark = pytest.mark.django_db


def _codes(rows: list[tuple]) -> list[str]:
    return [code for (code,) in rows]


def test_reads_sent_together_each_get_their_own_rows_in_order():
    """Given three regions, when three reads (one finding nothing) run together, then each read's parse
    gets its own rows, in the order given, in one round trip on PostgreSQL."""
    for code, name in (("910000", "甲省"), ("920000", "乙省"), ("930000", "丙省")):
        Region.objects.create(code=code, name=name)
    table = Region._meta.db_table
    reads = [
        plain_sql.Read(f"SELECT code FROM {table} WHERE code LIKE %s ORDER BY code", ["91%"], _codes),
        plain_sql.Read(f"SELECT code FROM {table} WHERE code = %s", ["999999"], _codes),
        plain_sql.Read(f"SELECT code FROM {table} WHERE code LIKE %s AND name <> %s", ["9%", "甲省"], len),
    ]
    with CaptureQueriesContext(connection) as queries:
        found = plain_sql.run(reads)
    assert found == [["910000"], [], 2]
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)


def test_a_parameter_holding_a_semicolon_stays_a_value():
    """Given a region whose name holds a semicolon and a quote, when it is read together with another read,
    then the value is bound as a value: the statements are not split inside it."""
    Region.objects.create(code="910000", name="x'; DELETE FROM projects_region; --")
    table = Region._meta.db_table
    found = plain_sql.run(
        [
            plain_sql.Read(
                f"SELECT code FROM {table} WHERE name = %s", ["x'; DELETE FROM projects_region; --"], _codes
            ),
            plain_sql.Read(
                f"SELECT COUNT(*) FROM {table} WHERE code = %s", ["910000"], lambda rows: rows[0][0]
            ),
        ]
    )
    assert found == [["910000"], 1]


def test_only_reads_are_sent_together():
    """A write hidden among reads would escape the cached lists' write detection, which reads a statement's
    first word: refused before anything is sent."""
    table = Region._meta.db_table
    with pytest.raises(ValueError, match="SELECTs only"):
        plain_sql.run(
            [
                plain_sql.Read("SELECT 1", [], list),
                plain_sql.Read(f"DELETE FROM {table}", [], list),
            ]
        )


def _pilot_regions_under(parent_id: int):
    return Region.objects.filter(parent_id=parent_id, pilot_zone=True).order_by("code").values("name")


def _regions_twice(value: int):
    return Region.objects.filter(pk=value, parent_id=value)


def test_a_compiled_queryset_reads_what_the_orm_reads_for_each_value():
    """Given two provinces with pilot and other districts, when the queryset is compiled once and run for
    each province, then each run finds what the ORM finds for that province."""
    north = Region.objects.create(code="910000", name="甲省")
    south = Region.objects.create(code="920000", name="乙省")
    Region.objects.create(code="910100", name="甲一区", parent=north, pilot_zone=True)
    Region.objects.create(code="910200", name="甲二区", parent=north, pilot_zone=False)
    Region.objects.create(code="920100", name="乙一区", parent=south, pilot_zone=True)
    expected = {north.pk: ["甲一区"], south.pk: ["乙一区"], 0: []}
    for parent_id, names in expected.items():
        sql, params = plain_sql.compiled(_pilot_regions_under, parent_id)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = [name for (name,) in cursor.fetchall()]
        assert found == names == [r["name"] for r in _pilot_regions_under(parent_id)]


def test_a_queryset_whose_value_is_not_its_one_parameter_is_refused():
    with pytest.raises(ValueError, match="found 2 times"):
        plain_sql.compiled(_regions_twice, 1)
