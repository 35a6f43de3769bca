"""API tokens expire (API_TOKEN_TTL_DAYS; integration tokens API_INTEGRATION_TOKEN_TTL_DAYS), and their
owner lists (never the key) and revokes them through the API; another user's token is not found."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.models import ApiToken
from coordination.services.tokens import issue_token, revoke

from .helpers import PASSWORD, assert_error_shape

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/auth/tokens/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def lifetime(token: ApiToken) -> timedelta:
    """To the second: created_at is stamped by the database layer a moment after the expiry is set."""
    return timedelta(seconds=round((token.expires_at - token.created_at).total_seconds()))


def test_a_login_token_expires_after_the_configured_days_and_is_then_a_401(world):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "applicant-a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.applicant_a)
    assert lifetime(token) == timedelta(days=settings.API_TOKEN_TTL_DAYS)
    # The API writes times in UTC (ISO 8601 with Z): the same instant, whatever the hour in Shanghai.
    assert datetime.fromisoformat(response.json()["expires_at"]) == token.expires_at
    client = bearer(response.json()["token"])
    with time_machine.travel(token.expires_at - timedelta(seconds=1), tick=False):
        assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(token.expires_at, tick=False):
        expired = client.get("/api/v1/me/")
    assert expired.status_code == 401
    assert assert_error_shape(expired)["code"] == "authentication_failed"
    assert expired["WWW-Authenticate"].startswith("Bearer")


@override_settings(API_TOKEN_TTL_DAYS=7, API_INTEGRATION_TOKEN_TTL_DAYS=30)
def test_integration_tokens_have_their_own_lifetime(world):
    login, _ = issue_token(user=world.bank_x_user)
    integration, _ = issue_token(user=world.bank_x_user, name="core banking", integration=True)
    assert lifetime(login) == timedelta(days=7)
    assert lifetime(integration) == timedelta(days=30)


def test_a_token_made_outside_the_service_expires_too(world):
    """The admin makes integration tokens itself; the model gives every new token its lifetime."""
    token = ApiToken.objects.create(
        user=world.bank_x_user, name="erp", prefix="p", key_hash="h", integration=True
    )
    assert lifetime(token) == timedelta(days=settings.API_INTEGRATION_TOKEN_TTL_DAYS)


def test_the_owner_lists_only_its_own_live_tokens_without_their_keys(world):
    current, key = issue_token(user=world.applicant_a, name="cli")
    spare, spare_key = issue_token(user=world.applicant_a, name="ci", integration=True)
    revoked, _ = issue_token(user=world.applicant_a, name="old")
    revoke(revoked)
    with time_machine.travel(timezone.now() - timedelta(days=settings.API_TOKEN_TTL_DAYS + 1), tick=False):
        issue_token(user=world.applicant_a, name="expired")
    others, _ = issue_token(user=world.applicant_b, name="b")
    bearer(spare_key).get("/api/v1/me/")  # marks it used

    response = bearer(key).get(TOKENS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [spare.pk, current.pk]  # newest first
    assert set(rows[0]) == {"id", "name", "prefix", "integration", "created_at", "last_used_at", "expires_at"}
    assert rows[0]["last_used_at"] is not None and rows[0]["integration"] is True
    assert rows[1]["prefix"] == key[:8]
    body = response.content.decode()
    assert key not in body and spare_key not in body and current.key_hash not in body
    assert others.pk not in {row["id"] for row in rows}


def test_the_owner_revokes_a_token_and_it_stops_working_at_once(world):
    _, key = issue_token(user=world.applicant_a)
    target, target_key = issue_token(user=world.applicant_a, name="laptop")
    client = bearer(key)
    assert bearer(target_key).get("/api/v1/me/").status_code == 200
    assert client.delete(f"{TOKENS}{target.pk}/").status_code == 204
    assert bearer(target_key).get("/api/v1/me/").status_code == 401
    target.refresh_from_db()
    assert target.revoked_at is not None  # kept for the record, not deleted
    assert assert_error_shape(client.delete(f"{TOKENS}{target.pk}/"))["code"] == "not_found"
    assert target.pk not in {row["id"] for row in client.get(TOKENS).json()["results"]}


def test_a_revocation_is_in_the_tokens_history_with_who_revoked_it(world):
    """Given a live token, when its owner revokes it over the API, then its history says who and when."""
    _, key = issue_token(user=world.applicant_a)
    target, _ = issue_token(user=world.applicant_a, name="laptop")
    bearer(key).delete(f"{TOKENS}{target.pk}/")
    latest = target.history.latest()
    assert latest.revoked_at is not None and latest.history_type == "~"
    assert latest.history_user == world.applicant_a


def test_revoking_the_token_in_use_signs_out(world):
    token, key = issue_token(user=world.applicant_a)
    client = bearer(key)
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert client.get(TOKENS).status_code == 401


def test_another_users_token_is_not_found_and_keeps_working(world):
    _, key = issue_token(user=world.applicant_a)
    theirs, their_key = issue_token(user=world.bank_x_user)
    for client in (bearer(key), bearer(issue_token(user=world.national)[1])):
        response = client.delete(f"{TOKENS}{theirs.pk}/")
        assert response.status_code == 404
        assert assert_error_shape(response)["code"] == "not_found"
    assert bearer(their_key).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("token_id", ["abc", "0", "99999999999999999999999"])
def test_odd_ids_are_a_404(world, token_id):
    _, key = issue_token(user=world.applicant_a)
    response = bearer(key).delete(f"{TOKENS}{token_id}/")
    assert response.status_code == 404
    assert assert_error_shape(response)["code"] == "not_found"


def test_anonymous_callers_are_a_401(world):
    assert APIClient().get(TOKENS).status_code == 401
    token, _ = issue_token(user=world.applicant_a)
    assert APIClient().delete(f"{TOKENS}{token.pk}/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_schema_documents_the_token_endpoints(world, api):
    schema = api(world.applicant_a).get("/api/v1/schema/?format=json").json()
    assert set(schema["paths"]["/api/v1/auth/tokens/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/auth/tokens/{id}/"]) == {"delete"}
    listed = schema["paths"]["/api/v1/auth/tokens/"]["get"]["responses"]["200"]
    assert "ApiToken" in str(listed)
    token_request = schema["components"]["schemas"]["TokenRequestRequest"]["properties"]
    assert "otp_token" in token_request
