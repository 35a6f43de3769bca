"""The coordinators' pages outside the console — the summary evaluation (page, exports, report) and the
policy simulations (list, form, result, export) — read a fixed number of queries: the same with N rows as
with 3N (no N+1). Each evaluation row is a request of its own enterprise, in a district, field and
institution of its own, so a query per region, field or institution cannot hide behind a shared one.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination.models import PolicySimulation
from coordination.services import simulations
from tests import factories as f
from tests.evaluation.data import _fund, _referral, _request, at, build_history
from tests.factories_policy import ProgrammeFactory

pytestmark = pytest.mark.django_db

N = 2
Q1 = "scope=national&start=2026-01-01&end=2026-03-31"
_serial = itertools.count(1)


def count(client: Client, url: str) -> tuple[int, list[str]]:
    client.get(url)  # warm the per-process caches alike for both counts
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), [q["sql"] for q in queries.captured_queries]


def assert_flat(client: Client, url: str, seed, n: int = N) -> None:
    """Seed n rows and count, seed 2n more and count again: the same number of queries."""
    seed(n)
    small, small_sql = count(client, url)
    seed(2 * n)
    large, large_sql = count(client, url)
    assert small == large, "\n".join([f"{n} rows: {small}", *small_sql, f"{3 * n} rows: {large}", *large_sql])


@pytest.fixture
def history(db):
    return build_history()


@pytest.fixture
def national(client, history):
    client.force_login(history.national)
    return client


def seed_funded(history, n: int) -> None:
    """`n` requests submitted in the first quarter of 2026, each of a new enterprise in a new district of
    Shanghai, in a new field, referred to a new bank that offered and funded it, and to bank Y that
    declined."""
    for _ in range(n):
        serial = next(_serial)
        district = f.RegionFactory(parent=history.shanghai)
        enterprise = f.EnterpriseFactory(region=district)
        enterprise.fields.add(f.TechFieldFactory(hard_tech=serial % 2 == 0))
        bank = f.InstitutionFactory(kind="bank")
        user = f.UserFactory()
        request, tranche = _request(
            user, enterprise, f"FR-2026-9{serial:05d}", submitted=at("2026-01-12"), amount="2000000"
        )
        referral = _referral(request, tranche, f.ProductFactory(institution=bank), answered=at("2026-01-20"))
        _referral(
            request,
            tranche,
            f.ProductFactory(institution=history.bank_y),
            answered=at("2026-01-21"),
            answer="declined",
            reason="outside_appetite",
        )
        _fund(
            request,
            tranche,
            referral,
            user,
            offered_at=at("2026-01-20"),
            funded_on="2026-02-16",
            rate=Decimal("0.035"),
            term=24,
        )


def test_the_evaluation_page(national, history):
    assert_flat(national, f"/evaluation/?{Q1}", lambda n: seed_funded(history, n))
    tables = national.get(f"/evaluation/?{Q1}").context["tables"]
    banks = [row for row in tables["institutions"].rows if str(row[0]).startswith("Institution")]
    assert len(banks) >= 3 * N, tables["institutions"].rows  # the seeded rows are on the page


def test_the_evaluation_page_by_default_for_a_regional_coordinator(client, history):
    client.force_login(history.coordinator)
    assert_flat(client, "/evaluation/", lambda n: seed_funded(history, n))


@pytest.mark.parametrize("slug", ["indicators", "funnel", "declines", "institutions", "regions"])
def test_each_evaluation_table_as_csv(national, history, slug):
    assert_flat(national, f"/evaluation/export/{slug}.csv?{Q1}", lambda n: seed_funded(history, n))


def test_the_quarterly_report(national, history):
    assert_flat(national, f"/evaluation/report/?{Q1}", lambda n: seed_funded(history, n))


# --- policy simulations ---------------------------------------------------------------------------------


def seed_simulations(world, n: int) -> None:
    """`n` published programmes (national and Shanghai's), each with a simulation run to its result."""
    today = timezone.localdate()
    for i in range(n):
        programme = ProgrammeFactory(region=world.shanghai if i % 2 else None, fields=[f.TechFieldFactory()])
        simulation = PolicySimulation.objects.create(
            coordinator=world.national,
            programme=programme,
            window_from=today - timedelta(days=30),
            window_until=today,
        )
        simulations.run_simulation(simulation.pk)


def test_the_simulations_list(client, world):
    client.force_login(world.national)
    assert_flat(client, "/policies/simulations/", lambda n: seed_simulations(world, n))


def test_a_simulations_result_and_its_export(client, world):
    """The result page and its workbook, while the simulations grow from N to 3N."""
    client.force_login(world.national)
    seed_simulations(world, 1)
    simulation = PolicySimulation.objects.get()
    assert_flat(client, f"/policies/simulations/{simulation.pk}/", lambda n: seed_simulations(world, n))
    assert_flat(
        client, f"/policies/simulations/{simulation.pk}/export.xlsx", lambda n: seed_simulations(world, n)
    )


def test_the_simulation_form(client, world):
    """The form of a programme with N, then 3N fields to choose from."""
    client.force_login(world.national)
    programme = ProgrammeFactory()
    assert_flat(
        client,
        f"/policies/simulations/programme/{programme.pk}/",
        lambda n: [programme.fields.add(f.TechFieldFactory()) for _ in range(n)],
    )
