"""Admin of innovation-credit models: drafts are edited and published there; published ones are read-only."""

import pytest
from django.urls import reverse

from projects.credits import services
from projects.models import CreditModel, InnovationCreditScore
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def v20():
    return CreditModel.objects.get(version="2.0")


def test_a_published_version_is_read_only_in_the_admin(admin_client, v20):
    url = reverse("admin:projects_creditmodel_change", args=[v20.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "研发费用总额" in html  # its indicators are shown
    assert admin_client.post(url, {"version": "2.0", "name": "changed"}).status_code == 403
    v20.refresh_from_db()
    assert v20.name != "changed"
    delete = reverse("admin:projects_creditmodel_delete", args=[v20.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_a_draft_is_editable_and_published_by_an_action(admin_client, v20):
    draft = services.clone_model(model_id=v20.pk)
    page = admin_client.get(reverse("admin:projects_creditmodel_change", args=[draft.pk]))
    assert 'name="_save"' in page.content.decode()
    assert 'name="indicators-0-weight_growth"' in page.content.decode()
    changelist = reverse("admin:projects_creditmodel_changelist")
    response = admin_client.post(
        changelist, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "Published 2.1" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_published


def test_publishing_a_broken_draft_shows_why(admin_client, v20):
    draft = services.clone_model(model_id=v20.pk)
    indicator = draft.indicators.first()
    indicator.weight_startup += 1
    indicator.save()
    response = admin_client.post(
        reverse("admin:projects_creditmodel_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "weights for the startup stage add up to 101" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_clone_action(admin_client, v20):
    admin_client.post(
        reverse("admin:projects_creditmodel_changelist"),
        {"action": "clone_as_draft", "_selected_action": [v20.pk]},
        follow=True,
    )
    draft = CreditModel.objects.get(version="2.1")
    assert draft.indicators.count() == 12 and not draft.is_published


def test_score_admin_shows_the_breakdown(admin_client, v20):
    enterprise = f.EnterpriseFactory(region=f.RegionFactory(code="310115"))
    services.compute_scores(model_id=v20.pk, year=2025)
    score = InnovationCreditScore.objects.get(enterprise=enterprise)
    page = admin_client.get(reverse("admin:projects_innovationcreditscore_change", args=[score.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "研发费用总额" in html and str(score.total) in html
    assert admin_client.get(reverse("admin:projects_innovationcreditscore_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("version", "cells"),
    [
        ("2.0", ["<td>35.00</td><td>30.00</td><td>35.00</td><td>100.00</td><td>35.00</td>"]),
        ("2024-trial", ["<td>60.00</td><td>20.00</td><td>20.00</td><td>100.00</td><td>0</td>"]),
    ],
)
def test_each_version_s_weights_summary_shows_its_own_groups_and_its_bonus_items(
    admin_client, version, cells
):
    """Given a shipped version, when its admin page opens, then the weights summary has a column for each
    group its base uses, the base total and the bonus items' weights (2.0: 35 in all, capped at 30)."""
    model = CreditModel.objects.get(version=version)
    html = admin_client.get(reverse("admin:projects_creditmodel_change", args=[model.pk])).content.decode()
    assert all(cell in html for cell in cells), html[html.find("<table><tr><th></th>") :][:800]
    assert f"bonus items (capped at {model.bonus_cap})" in html
