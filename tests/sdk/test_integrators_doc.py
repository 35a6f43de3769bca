"""docs/integrators.md's snippets run as written: its Python blocks in order against a live server as bank
X, and its Java webhook check compiled and run on a real signed delivery."""

import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from coordination.notifications import signing
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = Path(settings.BASE_DIR) / "docs" / "integrators.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.DOTALL)


def routed_to_bank_x(world):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    return request


def approved_with_bank_x(world):
    request = routed_to_bank_x(world)
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount="3000000",
        annual_rate="0.0345",
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    rs.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    approvals.approve_request(request_id=request.pk, user=world.coordinator)
    return request


def test_the_python_snippets_run_in_order_as_bank_x(live_server, committed_world):
    """Given an approved request and two fresh referrals for bank X, when the page's Python blocks run in
    order, then they sign in, read a teaser, open, offer, decline the other and record funding."""
    world = committed_world
    approved = approved_with_bank_x(world)
    for _ in range(2):
        routed_to_bank_x(world)
    namespace = {
        "BASE_URL": live_server.url,
        "USERNAME": "bank-x",
        "PASSWORD": "pw-for-tests",
        "approved_request_id": approved.pk,
    }
    python = blocks("python")
    assert len(python) >= 6
    for number, code in enumerate(python, start=1):
        exec(compile(code, f"{PAGE.name} python block {number}", "exec"), namespace)  # noqa: S102
    assert namespace["offer"]["status"] == "open"
    assert namespace["declined"]["decline_reason"] == "outside_appetite"
    assert namespace["funded"]["status"] == "funded"
    secret, body = "whsec-test", b'{"topic": "financing_request.approve"}'
    timestamp = int(time.time())
    headers = {
        "X-TechFin-Timestamp": str(timestamp),
        "X-TechFin-Signature": signing.sign(secret, timestamp, body),
    }
    assert namespace["verify"](secret, headers, body)
    assert not namespace["verify"]("another-secret", headers, body)


def test_the_java_webhook_check_accepts_a_real_signature_and_refuses_a_forged_one(tmp_path):
    """Given the page's Java class, when it checks a delivery signed by the service, then it says valid;
    with the body changed, invalid."""
    assert shutil.which("java"), "a JDK (java 17+) is needed for the integrators' Java example"
    (java,) = blocks("java")
    source = tmp_path / "TechFinWebhook.java"
    source.write_text(java, encoding="utf-8")
    secret, body = "whsec-test", '{"topic":"offer.accept"}'
    timestamp = int(time.time())
    signature = signing.sign(secret, timestamp, body.encode())

    def run(text: str) -> str:
        result = subprocess.run(
            ["java", str(source), secret, str(timestamp), text, signature],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout.strip()

    assert run(body) == "valid"
    assert run(body.replace("accept", "decline")) == "invalid"
