"""config/prepared.py: a query compiled once answers every later call as the ORM would, with that call's
values, and leaves what it cannot run as compiled to the ORM."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from config.prepared import Prepared, as_id, first
from coordination.models import FinancingRequest
from projects.models import Enterprise, EnterpriseFinancials, Region
from tests.factories import EnterpriseFactory, FinancialsFactory, UserFactory, draft_request

pytestmark = pytest.mark.django_db


def _members_enterprise(enterprise_id, user_id):
    return Enterprise.objects.filter(pk=enterprise_id, members=user_id).select_related("region")[:1]


def test_each_call_runs_with_its_own_values_and_gives_what_the_orm_gives():
    # Given two enterprises, each with its own member
    first_member, second_member = UserFactory(), UserFactory()
    one, other = EnterpriseFactory(), EnterpriseFactory()
    one.members.add(first_member)
    other.members.add(second_member)
    prepared = Prepared(_members_enterprise)

    # When the prepared query runs for each pair, and for a pair that matches nothing
    found = [first(prepared.rows(e.pk, u.pk)) for e, u in [(one, first_member), (other, second_member)]]
    nothing = prepared.rows(one.pk, second_member.pk)

    # Then each call found its own row, with the related row the ORM's select_related leaves on it
    assert found == [one, other]
    with CaptureQueriesContext(connection) as queries:
        assert [e.region.code for e in found] == [one.region.code, other.region.code]
    assert len(queries) == 0
    assert nothing == []
    assert [e.__dict__.keys() for e in found] == [
        first(list(_members_enterprise(e.pk, u.pk))).__dict__.keys()
        for e, u in [(one, first_member), (other, second_member)]
    ]


def test_values_rows_and_repeated_arguments():
    # Given an enterprise's financials for three years
    enterprise = EnterpriseFactory()
    for year in (2022, 2023, 2024):
        FinancialsFactory(enterprise=enterprise, year=year)
    prepared = Prepared(
        lambda enterprise_id, earliest: (
            EnterpriseFinancials.objects.filter(enterprise_id=enterprise_id, year__gte=earliest)
            .order_by("year")
            .values("enterprise_id", "year")
        )
    )

    # When it runs with different years
    # Then the rows are the `.values()` dicts the ORM reads for the same values
    for earliest in (2021, 2023, 2025):
        expected = list(
            EnterpriseFinancials.objects.filter(enterprise_id=enterprise.pk, year__gte=earliest)
            .order_by("year")
            .values("enterprise_id", "year")
        )
        assert prepared.rows(enterprise.pk, earliest) == expected


def test_the_sql_is_compiled_once(django_assert_num_queries):
    # Given a prepared query that has run once
    enterprise = EnterpriseFactory()
    prepared = Prepared(_members_enterprise)
    prepared.rows(enterprise.pk, 1)
    compiled = dict(prepared._compiled)

    # When it runs again with other values
    with django_assert_num_queries(1) as queries:
        prepared.rows(enterprise.pk + 100_000, 654_321)

    # Then it reused the SQL and only the values changed
    assert prepared._compiled == compiled
    assert str(enterprise.pk + 100_000) in queries.captured_queries[0]["sql"]
    assert "654321" in queries.captured_queries[0]["sql"]


@pytest.mark.parametrize("odd", ["12a", "", " 1", "1.0", 2**40, -(2**40), 1.5, None])
def test_a_value_that_is_not_a_plain_id_goes_the_orm_way(odd):
    # Given a prepared query by id
    prepared = Prepared(lambda pk: FinancingRequest.objects.filter(pk=pk).order_by())
    # When it is given something that is not a plain 32-bit integer
    # Then it is not sent as it is: the ORM answers it as it always did (no row, or its own error)
    assert as_id(odd) is None
    try:
        expected = list(FinancingRequest.objects.filter(pk=odd).order_by())
    except (ValueError, TypeError) as error:
        with pytest.raises(type(error)):
            prepared.rows(odd)
    else:
        assert prepared.rows(odd) == expected


def test_ids_as_a_url_gives_them_run_as_compiled():
    # Given a request, and a prepared query by id
    user = UserFactory()
    enterprise = EnterpriseFactory()
    enterprise.members.add(user)
    request = draft_request(user=user, enterprise=enterprise)
    prepared = Prepared(lambda pk: FinancingRequest.objects.filter(pk=pk).order_by())

    # When the id comes as the URL's digits
    # Then it is the same request
    assert as_id(str(request.pk)) == request.pk
    assert prepared.rows(str(request.pk)) == [request]


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_still_needs_a_transaction():
    # Given a prepared locking read, compiled inside a transaction
    prepared = Prepared(lambda pk: FinancingRequest.objects.select_for_update().filter(pk=pk).order_by())
    with transaction.atomic():
        assert prepared.rows(1) == []
    # When it runs outside one (autocommit), Then it is refused as the ORM refuses it (on a database that
    # locks rows: elsewhere the ORM runs it without the lock, and so does the prepared query)
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            list(FinancingRequest.objects.select_for_update().filter(pk=1))
        with pytest.raises(TransactionManagementError):
            prepared.rows(1)
    else:
        assert prepared.rows(1) == list(FinancingRequest.objects.select_for_update().filter(pk=1)) == []


def _pilot_regions_under(parent_id):
    return Region.objects.filter(parent_id=parent_id, pilot_zone=True).order_by("code").values("name")


def test_its_sql_embedded_in_a_statement_reads_what_the_orm_reads_for_each_value():
    # Given two provinces with pilot and other districts
    north = Region.objects.create(code="910000", name="甲省")
    south = Region.objects.create(code="920000", name="乙省")
    Region.objects.create(code="910100", name="甲一区", parent=north, pilot_zone=True)
    Region.objects.create(code="910200", name="甲二区", parent=north, pilot_zone=False)
    Region.objects.create(code="920100", name="乙一区", parent=south, pilot_zone=True)
    prepared = Prepared(_pilot_regions_under)

    for parent_id, names in {north.pk: ["甲一区"], south.pk: ["乙一区"], 0: []}.items():
        # When its SQL for the province runs inside a statement of one's own
        sql, params = prepared.sql(parent_id)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s.name FROM ({sql}) s", params)
            found = [name for (name,) in cursor.fetchall()]

        # Then it finds what the ORM finds for that province
        assert found == names == [r["name"] for r in _pilot_regions_under(parent_id)]
