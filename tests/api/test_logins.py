"""Logins: the throttle keys on the real client address (behind TRUSTED_PROXY_COUNT proxies), counted in
the shared Redis cache; one account from one address is locked out after repeated failures, for a cool-off,
on /admin/login/ and on the token endpoint; TOTP two-factor for those who have it, and for national
coordinators when REQUIRE_2FA_NATIONAL is on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from config.api.throttles import AuthThrottle, client_address

from .helpers import PASSWORD, assert_error_shape

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def rest_framework(*, auth_rate: str = "20/min", proxies: int = 0) -> dict:
    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": auth_rate},
        "NUM_PROXIES": proxies,
    }


# --- the client address ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.1", None, "198.51.100.1"),
        (0, "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # no proxy: the header is the client's words
        (1, "10.0.0.2", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # what our proxy saw, not what was sent
        (2, "10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8::7", "2001:db8::7"),
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),  # never free text into the lockout table
    ],
)
def test_client_address_follows_the_trusted_proxy_count(proxies, remote, forwarded, expected):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **extra)
    with override_settings(REST_FRAMEWORK=rest_framework(proxies=proxies)):
        assert client_address(request) == expected


def test_settings_take_the_proxy_count_from_the_environment():
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    assert settings.AXES_CLIENT_IP_CALLABLE == "config.api.throttles.client_address"


# --- the token endpoint's throttle ----------------------------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=1000)  # the lockout is tested below; here only the throttle counts
def test_given_no_trusted_proxy_when_200_logins_rotate_x_forwarded_for_then_429_after_the_limit():
    client = APIClient()
    body = {"username": "nobody", "password": "guess"}
    with override_settings(REST_FRAMEWORK=rest_framework(auth_rate="20/min", proxies=0)):
        statuses = [
            client.post(TOKEN, body, format="json", HTTP_X_FORWARDED_FOR=f"203.0.{i // 250}.{i % 250}")
            for i in range(200)
        ]
        codes = [r.status_code for r in statuses]
        assert codes[:20] == [401] * 20
        assert codes[20:] == [429] * 180
        assert assert_error_shape(statuses[-1])["code"] == "throttled"
        # Counted in the shared (Redis) cache under the one real address, not 200 spoofed ones.
        history = cache.get(AuthThrottle.cache_format % {"scope": "auth", "ident": "127.0.0.1"})
        assert len(history) == 20
        assert isinstance(caches["default"], RedisCache)


@override_settings(AXES_FAILURE_LIMIT=1000)
def test_given_one_trusted_proxy_when_the_left_of_the_header_rotates_then_the_proxys_entry_counts():
    client = APIClient()
    body = {"username": "nobody", "password": "guess"}
    with override_settings(REST_FRAMEWORK=rest_framework(auth_rate="5/min", proxies=1)):
        codes = [
            client.post(
                TOKEN, body, format="json", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 203.0.113.7"
            ).status_code
            for i in range(8)
        ]
        assert codes == [401] * 5 + [429] * 3
        # Another client behind the same proxy has its own allowance.
        other = client.post(TOKEN, body, format="json", HTTP_X_FORWARDED_FOR="203.0.113.8")
        assert other.status_code == 401


# --- lockout: one account from one address --------------------------------------------------------


def admin_login(client: Client, username: str, password: str, address: str = "198.51.100.20"):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_given_30_wrong_passwords_on_the_admin_then_the_right_one_is_refused_until_the_cool_off(world):
    attacker = Client()
    for _ in range(30):
        assert admin_login(attacker, "coord-sh", "wrong").status_code in {200, 429}
    refused = admin_login(attacker, "coord-sh", PASSWORD)
    assert refused.status_code == 429
    assert not logged_in(attacker)

    # Another account from the same address still logs in: the address is not locked for everyone.
    colleague = Client()
    assert admin_login(colleague, "national-1", PASSWORD).status_code == 302
    assert logged_in(colleague)
    # The same account from another address logs in too.
    elsewhere = Client()
    assert admin_login(elsewhere, "coord-sh", PASSWORD, address="198.51.100.99").status_code == 302
    assert admin_login(Client(), "coord-sh", PASSWORD).status_code == 429  # still locked here

    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        owner = Client()
        assert admin_login(owner, "coord-sh", PASSWORD).status_code == 302
        assert logged_in(owner)


def test_the_lockout_starts_at_the_failure_limit(world):
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert admin_login(client, "coord-sh", "wrong").status_code == 200  # the form, with its error
    assert admin_login(client, "coord-sh", "wrong").status_code == 429
    assert admin_login(client, "coord-sh", PASSWORD).status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_given_failures_on_the_token_endpoint_then_that_pair_is_locked_and_others_are_not(world):
    client = APIClient()
    body = {"username": "applicant-a", "password": "wrong"}
    failures = [client.post(TOKEN, body, format="json") for _ in range(2)]
    assert [r.status_code for r in failures] == [401, 401]
    assert failures[0]["WWW-Authenticate"].startswith("Bearer")
    assert assert_error_shape(failures[0])["code"] == "authentication_failed"
    locked = client.post(TOKEN, body, format="json")
    assert assert_error_shape(locked)["code"] == "locked_out"
    assert locked.status_code == 429
    right = {"username": "applicant-a", "password": PASSWORD}
    assert client.post(TOKEN, right, format="json").status_code == 429
    assert client.post(TOKEN, right, format="json", REMOTE_ADDR="198.51.100.5").status_code == 200
    other = {"username": "applicant-b", "password": PASSWORD}
    assert client.post(TOKEN, other, format="json").status_code == 200

    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1), tick=False):
        assert client.post(TOKEN, right, format="json").status_code == 200


def test_a_successful_login_resets_the_failures(world):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "coord-sh", "wrong")
    assert admin_login(client, "coord-sh", PASSWORD).status_code == 302
    client.post("/admin/logout/")
    assert admin_login(client, "coord-sh", "wrong").status_code == 200  # counting from zero again


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_token_sign_in_resets_the_failures_and_stamps_the_last_login(world):
    client = APIClient()
    wrong = {"username": "applicant-a", "password": "wrong"}
    right = {"username": "applicant-a", "password": PASSWORD}
    for _ in range(2):
        assert client.post(TOKEN, wrong, format="json").status_code == 401
    assert client.post(TOKEN, right, format="json").status_code == 200
    for _ in range(2):
        assert client.post(TOKEN, wrong, format="json").status_code == 401  # counting from zero again
    world.applicant_a.refresh_from_db()
    assert world.applicant_a.last_login is not None


# --- two-factor -----------------------------------------------------------------------------------


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def code_of(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(
        device.digits
    )


def wrong_code_for(device: TOTPDevice) -> str:
    return "000000" if code_of(device) != "000000" else "111111"


def signed_in(user) -> Client:
    client = Client()
    assert admin_login(client, user.username, PASSWORD).status_code == 302
    return client


@override_settings(REQUIRE_2FA_NATIONAL=True)
def test_given_2fa_required_a_national_coordinator_without_a_device_cannot_use_the_admin(world):
    client = signed_in(world.national)
    index = client.get("/admin/")
    assert index.status_code == 302 and index["Location"].startswith("/admin/verify/")
    assert client.get("/admin/coordination/financingrequest/").status_code == 302
    verify = client.get(index["Location"])
    assert verify.status_code == 403  # nothing to verify against: a superuser must register a device
    # The unverified session is no login for the API either.
    assert client.get("/api/v1/me/").status_code == 401


@override_settings(REQUIRE_2FA_NATIONAL=True)
def test_given_2fa_required_a_national_coordinator_with_a_verified_totp_code_uses_the_admin(world):
    device = totp_device(world.national)
    client = signed_in(world.national)
    assert client.get("/admin/").status_code == 302
    wrong = client.post("/admin/verify/", {"otp_token": wrong_code_for(device)})
    assert wrong.status_code == 400
    assert client.get("/admin/").status_code == 302
    # django-otp throttles a device after a failure (1 s, doubling): the right code waits it out.
    with time_machine.travel(timezone.now() + timedelta(seconds=2), tick=False):
        right = client.post("/admin/verify/", {"otp_token": code_of(device), "next": "/admin/"})
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/me/").json()["username"] == "national-1"


def test_given_2fa_not_required_a_national_coordinator_without_a_device_uses_the_admin(world):
    assert settings.REQUIRE_2FA_NATIONAL is False
    assert signed_in(world.national).get("/admin/").status_code == 200


@override_settings(REQUIRE_2FA_NATIONAL=True)
def test_a_regional_coordinator_without_a_device_is_not_asked_for_a_code(world):
    assert signed_in(world.coordinator).get("/admin/").status_code == 200


def test_a_coordinator_who_enrolled_a_device_must_use_it(world):
    """Two-factor is optional for coordinators, but once a device is confirmed it is always asked for."""
    totp_device(world.coordinator)
    client = signed_in(world.coordinator)
    assert client.get("/admin/").status_code == 302
    totp_device(world.national, confirmed=False)  # an unconfirmed device asks for nothing
    assert signed_in(world.national).get("/admin/").status_code == 200


def test_verify_refuses_an_outside_next(world):
    device = totp_device(world.coordinator)
    client = signed_in(world.coordinator)
    response = client.post("/admin/verify/", {"otp_token": code_of(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"


@override_settings(REQUIRE_2FA_NATIONAL=True)
def test_given_2fa_the_token_endpoint_wants_the_code_with_the_password(world):
    device = totp_device(world.national)
    client = APIClient()
    body = {"username": "national-1", "password": PASSWORD}
    missing = client.post(TOKEN, body, format="json")
    assert missing.status_code == 401 and "otp_token" in assert_error_shape(missing)["message"]
    assert client.post(TOKEN, {**body, "otp_token": wrong_code_for(device)}, format="json").status_code == 401
    with time_machine.travel(timezone.now() + timedelta(seconds=2), tick=False):
        ok = client.post(TOKEN, {**body, "otp_token": code_of(device)}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]
