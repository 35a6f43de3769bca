"""Staff forms refuse what the API refuses: NUL characters, lone surrogates and runaway JSON nesting."""

import pytest
from django.test import Client
from django.urls import reverse

from coordination.models import NotificationSetting, WebhookSubscription
from tests import factories as f


@pytest.fixture
def root_client(world):
    client = Client(raise_request_exception=False)
    client.force_login(f.UserFactory(username="form-root", is_staff=True, is_superuser=True))
    return client


def _webhook_form(world, **changes) -> dict:
    return {
        "url": "https://hooks.example.cn/techfin",
        "institution": world.bank_x.pk,
        "topics": "[]",
        "is_active": "on",
        **changes,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"topics": "[" * 10_000 + "]" * 10_000},
        {"topics": '["\\u0000"]'},
        {"topics": '["' + "[" * 40 + '"]'},
    ],
    ids=["nested-10000", "escaped-nul", "deep-but-a-string"],
)
def test_a_hostile_json_field_in_the_admin_is_a_form_error_not_a_500(world, root_client, changes):
    """Given the webhook admin's add form, when the topics JSON is hostile, then no 500 and nothing saved
    unless the JSON was harmless text."""
    response = root_client.post(
        reverse("admin:coordination_webhooksubscription_add"), _webhook_form(world, **changes)
    )
    assert response.status_code < 500
    if "nested" in str(changes) or "u0000" in changes["topics"]:
        assert response.status_code == 200 and response.context["adminform"].form.errors["topics"]
        assert not WebhookSubscription.objects.exists()


def test_a_deeply_nested_muted_list_is_refused_in_the_notification_settings_admin(world, root_client):
    setting = NotificationSetting.objects.create(user=world.applicant_a)
    url = reverse("admin:coordination_notificationsetting_change", args=[setting.pk])
    response = root_client.post(
        url, {"user": world.applicant_a.pk, "language": "zh-hans", "muted": "[" * 50 + "]" * 50}
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["muted"]
    setting.refresh_from_db()
    assert setting.muted == []


@pytest.mark.parametrize("value", ["bad\x00name", "bad\ud800name"], ids=["nul", "surrogate"])
def test_a_nul_or_surrogate_in_any_admin_form_field_is_a_400(world, root_client, value):
    """Given any admin form, when a field holds NUL or a lone surrogate, then a 400 before any view."""
    body = f"url=https%3A%2F%2Fhooks.example.cn%2F&topics=%5B%5D&institution={world.bank_x.pk}&secret=" + (
        "bad%00name" if "\x00" in value else "bad%ED%A0%80name"
    )
    response = root_client.post(
        reverse("admin:coordination_webhooksubscription_add"),
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()
