"""Recommendation lists in the console (issue 18): a national coordinator builds a list from criteria and
publishes it; the service's errors land on the fields; a regional coordinator does not see a national list
(404)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from coordination.models import RecommendationList
from coordination.permissions import sync_coordinator_group

CRITERIA = {"min_credit": "70", "credit_version": "2.0", "tech_sme": True, "fields": ["ic-test"]}


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def coordinators(outreach):
    group = sync_coordinator_group()
    for user in (outreach.coordinator, outreach.national):
        user.groups.add(group)
    return outreach


def test_build_publish_and_scope(coordinators):
    w = coordinators
    national = client_for(w.national)
    add = reverse("admin:coordination_recommendationlist_add")
    assert national.get(add).status_code == 200
    bad = national.post(
        add,
        {
            "code": "ic",
            "title": "IC",
            "as_of": "2026-11-01",
            "national": "on",
            "criteria": '{"min_credit": "x"}',
        },
    )
    assert bad.status_code == 200 and "A number from 0 to 130." in bad.content.decode()
    assert not RecommendationList.objects.exists()
    made = national.post(
        add,
        {
            "code": "ic",
            "title": "IC",
            "as_of": "2026-11-01",
            "national": "on",
            "criteria": json.dumps(CRITERIA),
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    recommendation_list = RecommendationList.objects.get()
    assert recommendation_list.entries.count() == 2
    change = reverse("admin:coordination_recommendationlist_change", args=[recommendation_list.pk])
    assert national.get(change).status_code == 200
    page = national.get(change)
    management = {
        name: value
        for formset in page.context["inline_admin_formsets"]
        for name, value in formset.formset.management_form.initial.items()
        for name in [f"{formset.formset.prefix}-{name}"]
    }
    published = national.post(change, {"publish_to": [w.bank_x.pk, w.bank_y.pk], **management})
    assert published.status_code == 302, published.context["adminform"].form.errors
    recommendation_list.refresh_from_db()
    assert recommendation_list.status == "published"
    assert set(recommendation_list.institutions.all()) == {w.bank_x, w.bank_y}
    regional = client_for(w.coordinator)
    assert regional.get(change).status_code == 404
    listing = regional.get(reverse("admin:coordination_recommendationlist_changelist"))
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == []
    follow_ups = national.get(reverse("admin:coordination_recommendationfollowup_changelist"))
    assert follow_ups.status_code == 200


def test_hand_picked_in_the_console(coordinators):
    w = coordinators
    national = client_for(w.national)
    add = reverse("admin:coordination_recommendationlist_add")
    page = national.get(add)
    assert "Or pick by hand" in page.content.decode()
    made = national.post(
        add,
        {
            "code": "picked",
            "title": "Picked",
            "as_of": "2026-11-01",
            "national": "on",
            "enterprises": [w.enterprise_c.pk],
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    assert [e.enterprise for e in RecommendationList.objects.get(code="picked").entries.all()] == [
        w.enterprise_c
    ]
