"""Webhook SSRF: internal targets are refused when subscribing (API and admin) and again when sending.

DNS is a stub (tests/support/dns.py): each name below resolves only as this table says, so a name can
answer a public address at subscription and a private one at send time (DNS rebinding).
"""

import socket

import pytest
from django.test import Client
from rest_framework.test import APIClient

from coordination.models import Delivery, DeliveryAttempt, OutboxMessage, WebhookSubscription
from coordination.notifications import relay, transport
from coordination.services import financing_requests as rq
from coordination.services import webhooks as webhook_services
from coordination.services.tokens import issue_token
from tests import factories as f
from tests.factories import draft_request
from tests.support import dns

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"
NAMES = {
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": ["169.254.169.254"],
    "loopback.example.net": ["127.0.0.1"],
    "mixed.example.net": [PUBLIC, "10.1.2.3"],
    "hooks.example.net": [PUBLIC],
    "v6.example.net": ["2606:4700:4700::1111"],
    "erp.bank-x.example": ["10.9.9.9"],
}

# The probe's 22 internal targets and their relatives: every one must be refused.
REFUSED = [
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/",
    "http://localhost:6379/",
    "https://localhost:6379/",
    "http://127.0.0.1:5432/",
    "https://127.0.0.1:5432/",
    "https://[::1]/",
    "https://[fd00::1]/",
    "https://[fd12:3456::1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::169.254.169.254]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:a9fe:a9fe::1]/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://loopback.example.net/",
    "https://mixed.example.net/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://[ff02::1]/",
    "https://[fe80::1]/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://192.0.0.8/",
    "https://198.18.0.1/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "https://127.1/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://printer.local/",
    "https://intranet/",
    "https://unknown.example.net/",
    "http://hooks.example.net/",
    "ftp://hooks.example.net/",
]
ACCEPTED = [
    "https://hooks.example.net/hook",
    "https://hooks.example.net:8443/hook",
    "https://v6.example.net/hook",
    "https://8.8.8.8/hook",
]


@pytest.fixture
def production_rule(settings, monkeypatch):
    """As in production: no loopback receivers; DNS answers from NAMES."""
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    settings.WEBHOOK_ALLOW_LIST = []
    return dns.install(monkeypatch, NAMES)


def api_client(user) -> APIClient:
    client = APIClient(headers={"accept-language": "en"})
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=user)[1]}")
    return client


def subscribe_by_api(world, url: str):
    return api_client(world.applicant_a).post(
        "/api/v1/webhooks/",
        {"url": url, "party": "enterprise", "party_id": world.enterprise_a.pk},
        format="json",
    )


@pytest.mark.parametrize("url", REFUSED)
def test_api_refuses_an_internal_webhook_target_with_a_400_on_url(world, production_rule, url):
    response = subscribe_by_api(world, url)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["url"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("url", ACCEPTED)
def test_api_accepts_a_public_https_target(world, production_rule, url):
    assert subscribe_by_api(world, url).status_code == 201
    assert WebhookSubscription.objects.get().url == url


def superuser_browser() -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def admin_add(url: str, world):
    return superuser_browser().post(
        "/admin/coordination/webhooksubscription/add/",
        {"url": url, "topics": "[]", "is_active": "on", "enterprise": world.enterprise_a.pk},
    )


@pytest.mark.parametrize("url", REFUSED)
def test_admin_form_refuses_an_internal_webhook_target(world, production_rule, url):
    response = admin_add(url, world)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not WebhookSubscription.objects.exists()


def test_admin_form_accepts_a_public_https_target(world, production_rule):
    response = admin_add("https://hooks.example.net/hook", world)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert WebhookSubscription.objects.get().url == "https://hooks.example.net/hook"


def test_admin_form_refuses_pointing_an_existing_subscription_inward(world, production_rule):
    hook = WebhookSubscription.objects.create(
        enterprise=world.enterprise_a,
        url="https://hooks.example.net/",
        secret="k",
        created_by=world.applicant_a,
    )
    response = superuser_browser().post(
        f"/admin/coordination/webhooksubscription/{hook.pk}/change/",
        {
            "url": "https://169.254.169.254/",
            "topics": "[]",
            "is_active": "on",
            "enterprise": world.enterprise_a.pk,
        },
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["url"]
    hook.refresh_from_db()
    assert hook.url == "https://hooks.example.net/"


@pytest.mark.parametrize(
    ("allow_list", "url"),
    [
        (["10.20.0.0/16"], "https://10.20.1.5/hook"),
        (["fd00:1::/32"], "https://[fd00:1::5]/hook"),
        (["erp.bank-x.example"], "https://erp.bank-x.example/hook"),
    ],
)
def test_allow_list_admits_an_on_premise_receiver_and_nothing_else(
    world, production_rule, settings, allow_list, url
):
    settings.WEBHOOK_ALLOW_LIST = allow_list
    assert subscribe_by_api(world, url).status_code == 201
    assert subscribe_by_api(world, "https://10.21.0.1/").status_code == 400
    assert subscribe_by_api(world, "http://10.20.1.5/").status_code == 400  # still https only


def test_loopback_over_http_only_where_the_setting_allows_it(world, production_rule, settings):
    assert subscribe_by_api(world, "http://127.0.0.1:8080/hook").status_code == 400
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    assert subscribe_by_api(world, "http://127.0.0.1:8080/hook").status_code == 201
    assert subscribe_by_api(world, "http://localhost:8080/hook").status_code == 201
    assert subscribe_by_api(world, "http://10.0.0.1/hook").status_code == 400


# --- at send time -------------------------------------------------------------------------------------


@pytest.fixture
def listener():
    """A loopback port that records whether anything connected to it."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setblocking(False)
    yield sock
    sock.close()


def connected(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def webhook_attempt(world) -> DeliveryAttempt:
    """Submit a request (which the enterprise's webhook hears about) and attempt its webhook deliveries."""
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    for message_id in OutboxMessage.objects.values_list("pk", flat=True):
        relay.fan_out(message_id)
    hook = Delivery.objects.filter(channel="webhook").first()
    assert relay.attempt(hook.pk) == "retry"
    return hook.attempt_log.get()


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)


REBOUND = [
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "::1",
    "fd00::1",
    "::ffff:169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "192.168.1.1",
]


@pytest.mark.parametrize("address", REBOUND)
def test_name_that_rebinds_to_an_internal_address_is_refused_at_send_and_never_connected(
    world, production_rule, listener, address
):
    # Given a subscription made while the name answered a public address
    production_rule.names["rebind.example.net"] = [PUBLIC]
    port = listener.getsockname()[1]
    webhook_services.subscribe(
        user=world.applicant_a,
        url=f"https://rebind.example.net:{port}/hook",
        topics=["financing_request.submit"],
        party="enterprise",
        party_id=world.enterprise_a.pk,
    )
    # When the name answers an internal address at send time (the loopback one has our listener)
    production_rule.names["rebind.example.net"] = [address]
    attempt = webhook_attempt(world)
    # Then the send is refused by the policy, in words that say nothing about the target
    assert attempt.error == transport.REFUSED
    assert not connected(listener)


@pytest.mark.parametrize("url", [u for u in REFUSED if not u.startswith("ftp")])
def test_subscription_stored_before_the_policy_is_refused_at_send(world, production_rule, url):
    WebhookSubscription.objects.create(
        enterprise=world.enterprise_a, url=url, secret="k", created_by=world.applicant_a
    )
    attempt = webhook_attempt(world)
    assert attempt.error == transport.REFUSED
    assert attempt.response_status is None and attempt.response_excerpt == ""
