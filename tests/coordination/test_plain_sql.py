"""Plain-SQL reads, several sent as one."""

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


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM projects_region",
        "SELECT 1; DELETE FROM projects_region",
        "SELECT code INTO TEMP stolen FROM projects_region",
        "SELECT 1 -- and the next read is a comment",
    ],
)
def test_only_plain_selects_are_sent_together(sql):
    """A write hidden among reads would escape the cached lists' write detection, which reads a statement's
    first word, and a comment would swallow the next read: refused before anything is sent."""
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValueError, match="one plain SELECT"):
        plain_sql.run([plain_sql.Read("SELECT 1", [], list), plain_sql.Read(sql, [], list)])
    assert len(queries) == 0
