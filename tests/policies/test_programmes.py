"""Policy programmes as dated configuration (issue 14, DESIGN §10): parameters checked per kind, edited
in the admin by superusers and national coordinators (regional ones for their regions), published
versions immutable, every change in the history."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from coordination.errors import Conflict, PermissionDenied
from coordination.models import PolicyProgramme
from coordination.permissions import sync_coordinator_group
from coordination.policies.parameters import defaults, validated
from coordination.selectors import programme_terms
from coordination.services.programmes import new_programme_version, publish_programme
from coordination.workflow import ledger
from tests import factories as f
from tests.factories_policy import ProgrammeFactory

pytestmark = pytest.mark.django_db

ADD = "admin:coordination_policyprogramme_add"


def browser(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def change_url(programme) -> str:
    return reverse("admin:coordination_policyprogramme_change", args=[programme.pk])


def form_data(region=None, **overrides) -> dict:
    data = {
        "code": "sh-interest",
        "version": "1",
        "name": "Shanghai sci-tech loan interest subsidy",
        "level": "municipal" if region else "national",
        "region": region.pk if region else "",
        "kind": "interest_subsidy",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "budget": "50000000",
        "instruments": ["credit_loan"],
        "stages": [],
        "min_credit_score": "",
        "min_credit_version": "",
        "max_amount": "",
        "parameters": json.dumps({"share": "0.6"}),
        # The read-only ledger inline's management form.
        "ledger-TOTAL_FORMS": "0",
        "ledger-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != []}


@pytest.fixture
def staff(world):
    sync_coordinator_group().user_set.add(world.coordinator, world.national, world.national_2)
    return world


def test_given_no_parameters_when_validated_then_each_kinds_defaults_come_from_design_section_10():
    """Given each kind without parameters, when validated, then DESIGN §10's defaults fill them in."""
    assert defaults("interest_subsidy")["first_loan_share"] == "0.7"
    assert validated("interest_subsidy", {})[0]["cap_per_year"] == "1000000"
    assert validated("guarantee_fee_subsidy", None)[0] == {"share": "0.5", "cap_per_year": "300000"}
    risk = validated("risk_compensation", {})[0]
    assert (risk["share"], risk["first_loan_bonus"], risk["cap_per_loan"]) == ("0.55", "0.05", "3000000")
    assert validated("relending", {})[0] == {"term_years": 1}


def test_given_bad_parameters_when_validated_then_each_is_named_with_its_reason():
    """Given an unknown name, a share above 1, a negative cap and a bad mode, then each is refused by name."""
    _, errors = validated(
        "interest_subsidy", {"shares": "0.5", "share": "1.5", "cap_per_year": "-1", "mode": "flat"}
    )
    assert set(errors) == {"shares", "share", "cap_per_year", "mode"}
    assert validated("risk_compensation", {"cover_years": "two"})[1] == {
        "cover_years": "A whole number of years."
    }
    assert validated("nonsense", {})[1] == {"kind": "Unknown programme kind."}


def test_given_an_inconsistent_programme_when_cleaned_then_the_fields_are_named(world):
    """Given instruments outside the kind, a national programme with a region, and a minimum credit with
    no version, when cleaned, then each field is named."""
    programme = ProgrammeFactory.build(
        kind="guarantee_fee_subsidy",
        instruments=["credit_loan"],
        region=world.shanghai,
        level="national",
        min_credit_score=Decimal("60"),
        parameters={"share": "2"},
    )
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert set(refused.value.message_dict) >= {"instruments", "region", "min_credit_version", "parameters"}


def test_a_national_coordinator_adds_a_programme_and_the_history_records_it(staff):
    """Given a national coordinator, when it adds a programme in the admin, then it is saved as a draft with
    the kind's defaults filled in, and its history names the coordinator."""
    response = browser(staff.national).post(reverse(ADD), form_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    programme = PolicyProgramme.objects.get(code="sh-interest")
    assert not programme.is_published
    assert programme.parameters["share"] == "0.6" and programme.parameters["cap_total"] == "3000000"
    assert programme.history.get().history_user == staff.national


def test_a_regional_coordinator_adds_programmes_of_its_regions_only(staff):
    """Given the Shanghai coordinator, when it adds a Shanghai and then a Beijing and a national programme,
    then only the Shanghai one is saved; the others name the region."""
    client = browser(staff.coordinator)
    assert client.post(reverse(ADD), form_data(staff.shanghai)).status_code == 302
    for region in (staff.beijing, None):
        response = client.post(reverse(ADD), form_data(region, code="other"))
        assert response.status_code == 200
        assert "region" in response.context["adminform"].form.errors
    assert list(PolicyProgramme.objects.values_list("code", flat=True)) == ["sh-interest"]


def test_a_regional_coordinator_reads_national_programmes_and_never_sees_another_regions(staff):
    """Given a national, a Shanghai and a Beijing programme, when the Shanghai coordinator opens them, then
    it reads the national one (without changing it), edits the Shanghai draft, and Beijing's is a 404."""
    national = ProgrammeFactory(published_at=None)
    shanghai = ProgrammeFactory(region=staff.shanghai, published_at=None)
    beijing = ProgrammeFactory(region=staff.beijing)
    client = browser(staff.coordinator)
    listed = client.get(reverse("admin:coordination_policyprogramme_changelist")).context["cl"].queryset
    assert set(listed) == {national, shanghai}
    assert client.get(change_url(beijing)).status_code == 404
    assert client.get(change_url(beijing) + "history/").status_code == 404
    assert client.post(change_url(national), form_data(code=national.code)).status_code == 403
    response = client.post(change_url(shanghai), form_data(staff.shanghai, code=shanghai.code, budget="1"))
    assert response.status_code == 302
    shanghai.refresh_from_db()
    assert shanghai.budget == Decimal("1")


def test_a_published_version_is_read_only_and_a_change_is_a_new_version(staff):
    """Given a draft with fields, when it is published, then nobody changes it (not even a superuser) and
    publishing again is a conflict; a new version is a draft copy numbered after it, fields included."""
    field = f.TechFieldFactory(code="ai")
    draft = ProgrammeFactory(region=staff.shanghai, published_at=None, fields=[field])
    publish_programme(programme_id=draft.pk, user=staff.coordinator)
    draft.refresh_from_db()
    assert draft.is_published
    root = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    assert (
        browser(root).post(change_url(draft), form_data(staff.shanghai, code=draft.code)).status_code == 403
    )
    with pytest.raises(Conflict):
        publish_programme(programme_id=draft.pk, user=root)
    copy = new_programme_version(programme_id=draft.pk, user=staff.coordinator)
    assert (copy.code, copy.version, copy.is_published) == (draft.code, 2, False)
    assert list(copy.fields.all()) == [field]
    assert draft.history.first().history_change_reason == "published"
    assert PolicyProgramme.objects.get(pk=draft.pk).version == 1


def test_a_coordinator_publishes_only_in_its_regions(staff):
    """Given a national draft, when the Shanghai coordinator publishes it, then it is refused."""
    draft = ProgrammeFactory(published_at=None)
    with pytest.raises(PermissionDenied):
        publish_programme(programme_id=draft.pk, user=staff.coordinator)
    with pytest.raises(PermissionDenied):
        new_programme_version(programme_id=draft.pk, user=staff.coordinator)


def test_the_admin_actions_publish_and_version(staff):
    """Given a national draft, when a national coordinator runs the admin's publish then new-version
    actions on it, then it is published and a version 2 draft exists."""
    draft = ProgrammeFactory(published_at=None)
    changelist = reverse("admin:coordination_policyprogramme_changelist")
    client = browser(staff.national)
    for action in ("publish", "new_version"):
        response = client.post(changelist, {"action": action, "_selected_action": [draft.pk]})
        assert response.status_code == 302
    assert PolicyProgramme.objects.get(pk=draft.pk).is_published
    assert PolicyProgramme.objects.filter(code=draft.code, version=2, published_at__isnull=True).exists()


def test_the_change_page_shows_the_balance_and_the_ledger(staff):
    """Given a programme with a commitment and a refusal, when a national coordinator opens it, then the
    page shows available / committed / paid and both ledger entries."""
    programme = ProgrammeFactory(budget=Decimal("1000"))
    ledger.commit(programme_id=programme.pk, tranche_id=None, amount="600")
    ledger.commit(programme_id=programme.pk, tranche_id=None, amount="500")
    html = browser(staff.national).get(change_url(programme)).content.decode()
    assert "400.00 CNY (0.04 万元) / 600.00 CNY (0.06 万元) / 0.00 CNY (0 万元)" in html
    assert "Refused: over the budget" in html and "Commitment" in html


@pytest.mark.django_db
def test_given_a_relending_programme_then_its_share_and_rate_are_the_central_banks_in_force_that_day():
    """Given the re-lending programme and the shipped dated terms (1.75% until 19 January 2026, 1.25% from
    then), when its terms are read on either side of that day, then each day gets the rate in force then and
    the programme itself stores neither share nor rate."""
    row = ProgrammeFactory(kind="relending", region=None)
    before = programme_terms(row, date(2025, 12, 1))
    after = programme_terms(row, date(2026, 2, 1))
    assert (before.parameters["share"], before.parameters["rate"]) == ("0.6", "0.0175")
    assert (after.parameters["share"], after.parameters["rate"]) == ("0.6", "0.0125")
    assert set(row.parameters) == {"term_years"}
    assert "share" not in programme_terms(row, date(2024, 1, 1)).parameters  # before the facility
