"""The simulator's pages (issue 14 point 7): start from a programme, follow the run, read and export the
result; coordinators in scope only, everyone else a 404."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from coordination.models import PolicySimulation
from coordination.permissions import sync_coordinator_group
from coordination.services import simulations
from tests.factories_policy import ProgrammeFactory
from tests.policies.test_simulation import funded


def start(client, programme, **data):
    today = timezone.localdate().isoformat()
    form = {"window_from": today, "window_until": today, **data}
    return client.post(f"/policies/simulations/programme/{programme.pk}/", form)


@pytest.mark.django_db
def test_a_coordinator_starts_a_simulation_and_reads_its_result(
    client, world, django_capture_on_commit_callbacks
):
    """Given a subsidy and a loan funded today, when the national coordinator starts a simulation with a
    70% share, then the run is queued, and once run the result page shows both sides and exports as XLSX."""
    subsidy = ProgrammeFactory()
    funded(world, world.enterprise_a)
    client.force_login(world.national)

    with django_capture_on_commit_callbacks(execute=False):
        response = start(
            client, subsidy, parameter_share="0.7", parameter_first_loan_share="0.9", max_amount="5000000"
        )

    assert response.status_code == 302, response.content.decode()[-3000:]
    simulation = PolicySimulation.objects.get()
    assert response.status_code == 302 and response.url == f"/policies/simulations/{simulation.pk}/"
    assert simulation.changes == {
        "parameters": {**subsidy.parameters, "share": "0.7", "first_loan_share": "0.9"},
        "max_amount": "5000000",
    }
    waiting = client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and 'http-equiv="refresh"' in waiting

    simulations.run_simulation(simulation.pk)
    page = client.get(response.url).content.decode()
    assert "every 2s" not in page and 'id="stage"' in page and "18.63 万元" in page  # 90% of 207 000
    partial = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="simulation-result"')

    export = client.get(f"/policies/simulations/{simulation.pk}/export.xlsx")
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["totals", "field", "stage", "size"]
    assert workbook["totals"]["K2"].value == 186300.0


@pytest.mark.django_db
def test_a_wrong_parameter_is_shown_under_its_field(client, world):
    """Given a subsidy, when a share of 2 is asked, then the form comes back (400) with the error under the
    share, and nothing is stored."""
    subsidy = ProgrammeFactory()
    client.force_login(world.national)

    response = start(client, subsidy, parameter_share="2")

    assert response.status_code == 400
    assert "parameter_share_error" in response.content.decode()
    assert not PolicySimulation.objects.exists()


@pytest.mark.django_db
def test_out_of_scope_is_a_404(client, world):
    """Given a Beijing programme and a national coordinator's simulation, then the Shanghai coordinator gets
    a 404 for both, and an applicant for the list as well."""
    beijing = ProgrammeFactory(region=world.beijing)
    today = timezone.localdate()
    theirs = PolicySimulation.objects.create(
        coordinator=world.national,
        programme=beijing,
        window_from=today - timedelta(days=7),
        window_until=today,
    )
    client.force_login(world.coordinator)
    assert client.get(f"/policies/simulations/programme/{beijing.pk}/").status_code == 404
    assert client.get(f"/policies/simulations/{theirs.pk}/").status_code == 404
    assert client.get(f"/policies/simulations/{theirs.pk}/export.xlsx").status_code == 404
    assert client.get("/policies/simulations/").status_code == 200
    client.force_login(world.applicant_a)
    assert client.get("/policies/simulations/").status_code == 404
    assert client.get(f"/policies/simulations/programme/{beijing.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_pages_render_in_chinese(client, world):
    """Given a national coordinator reading zh-hans, then the list, the form and a result page are in
    Chinese."""
    subsidy = ProgrammeFactory()
    client.force_login(world.national)
    client.cookies["django_language"] = "zh-hans"
    today = timezone.localdate()
    simulation = PolicySimulation.objects.create(
        coordinator=world.national, programme=subsidy, window_from=today, window_until=today
    )
    simulations.run_simulation(simulation.pk)
    for url in (
        "/policies/simulations/",
        f"/policies/simulations/programme/{subsidy.pk}/",
        f"/policies/simulations/{simulation.pk}/",
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
        assert '<html lang="zh-hans">' in response.content.decode()
    assert "全部" in response.content.decode()  # the totals' row


@pytest.mark.django_db
def test_the_programmes_admin_page_links_to_the_simulator(client, world):
    """Given a published programme, when the national coordinator opens it in the console, then the page
    links to starting a simulation of it."""
    subsidy = ProgrammeFactory()
    sync_coordinator_group().user_set.add(world.national)
    client.force_login(world.national)

    page = client.get(f"/admin/coordination/policyprogramme/{subsidy.pk}/change/").content.decode()

    assert f'href="/policies/simulations/programme/{subsidy.pk}/"' in page
