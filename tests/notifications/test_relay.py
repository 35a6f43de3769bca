"""The outbox relay in-process: who is told what, on which channel, exactly once; retries and dead letters."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from coordination.models import (
    Delivery,
    DeliveryAttempt,
    Notification,
    NotificationSetting,
    OutboxMessage,
    WebhookSubscription,
)
from coordination.notifications import relay, signing
from coordination.services import digests, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests.factories import draft_request
from tests.support.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """In-process: deliveries are attempted by the test, not handed to a worker."""
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def relay_everything() -> None:
    for message_id in OutboxMessage.objects.filter(state="pending").values_list("pk", flat=True):
        relay.fan_out(message_id)
    for delivery_id in Delivery.objects.filter(state="pending").values_list("pk", flat=True):
        relay.attempt(delivery_id)


def submitted(world, receiver=None):
    world.applicant_a.email = "a@example.cn"
    world.applicant_a.save()
    world.coordinator.email = "coord@example.cn"
    world.coordinator.save()
    if receiver:
        WebhookSubscription.objects.create(
            enterprise=world.enterprise_a, url=receiver.url, secret="s3cret", created_by=world.applicant_a
        )
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    return rq.submit_request(request_id=request.pk, user=world.applicant_a)


def test_submitted_request_notifies_each_party_on_each_channel_exactly_once(world, receiver):
    # Given an applicant with e-mail and a webhook, and a Shanghai coordinator with e-mail
    request = submitted(world, receiver)
    # When the relay runs twice
    relay_everything()
    relay_everything()
    # Then the applicant hears of the submission and the screening; the coordinator of the triage queue
    assert sorted(Notification.objects.filter(user=world.applicant_a).values_list("topic", flat=True)) == [
        "financing_request.screen_pass",
        "financing_request.submit",
    ]
    assert list(Notification.objects.filter(user=world.coordinator).values_list("topic", flat=True)) == [
        "financing_request.screen_pass"
    ]
    assert not Notification.objects.filter(
        user__in=[world.national, world.applicant_b, world.bank_x_user]
    ).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.cn", "a@example.cn", "coord@example.cn"]
    assert len(receiver.received) == 2
    assert {json.loads(r.body)["reference"] for r in receiver.received} == {request.reference}
    assert Delivery.objects.exclude(state="sent").count() == 0


def test_webhook_signature_verifies_with_the_documented_recipe(world, receiver):
    submitted(world, receiver)
    relay_everything()
    for hit in receiver.received:
        assert signing.verify(
            "s3cret", hit.headers["X-TechFin-Timestamp"], hit.body, hit.headers["X-TechFin-Signature"]
        )
        assert not signing.verify(
            "wrong", hit.headers["X-TechFin-Timestamp"], hit.body, hit.headers["X-TechFin-Signature"]
        )
        assert not signing.verify(
            "s3cret", hit.headers["X-TechFin-Timestamp"], hit.body + b" ", hit.headers["X-TechFin-Signature"]
        )
        assert hit.headers["X-TechFin-Delivery"] == json.loads(hit.body)["delivery_id"]


def test_receiver_answering_500_gets_retries_with_back_off_then_a_dead_letter(world, receiver, settings):
    # Given a receiver that always fails
    receiver.status = 500
    submitted(world, receiver)
    for message_id in OutboxMessage.objects.values_list("pk", flat=True):
        relay.fan_out(message_id)
    hook = Delivery.objects.filter(channel="webhook").first()
    # When every retry falls due and is attempted
    outcomes, gaps = [], []
    now = timezone.now()
    for _ in range(settings.DELIVERY_MAX_ATTEMPTS):
        with time_machine.travel(now, tick=False):
            outcomes.append(relay.attempt(hook.pk))
        hook.refresh_from_db()
        gaps.append(hook.next_attempt_at - now)
        now = hook.next_attempt_at + timedelta(seconds=1)
    # Then it was retried with growing delays and finally dead-lettered, every try logged
    assert outcomes == ["retry"] * (settings.DELIVERY_MAX_ATTEMPTS - 1) + ["dead"]
    assert all(later > earlier for earlier, later in zip(gaps[:3], gaps[1:4], strict=True))
    assert hook.state == "dead" and hook.response_status == 500
    assert DeliveryAttempt.objects.filter(delivery=hook, ok=False).count() == settings.DELIVERY_MAX_ATTEMPTS
    # And re-sending the dead letter (the admin's action) delivers it once the receiver recovers
    receiver.status = 200
    assert relay.resend([hook.pk]) == 1
    assert relay.attempt(hook.pk) == "sent"
    assert receiver.acknowledged(hook.key) == 1


def test_muted_channel_and_daily_digest_follow_the_users_preferences(world):
    NotificationSetting.objects.create(
        user=world.applicant_a, email_digest=True, language="en", muted=["inbox:financing_request.submit"]
    )
    submitted(world)
    relay_everything()
    assert list(Notification.objects.filter(user=world.applicant_a).values_list("topic", flat=True)) == [
        "financing_request.screen_pass"
    ]
    assert [m.to[0] for m in mail.outbox] == ["coord@example.cn"]
    assert digests.send_daily_digests() == 1
    digest = mail.outbox[-1]
    assert digest.to == ["a@example.cn"] and digest.subject == "TechFin Coordination: 2 updates"
    assert digests.send_daily_digests() == 0


def test_email_is_written_in_each_users_language(world, settings):
    """Given an applicant who reads English and a coordinator without a setting, when both are e-mailed,
    then each mail is in its reader's language: the coordinator's in the site's default, zh-hans."""
    settings.LANGUAGE_CODE = "zh-hans"  # the product's default (the suite's settings read English)
    NotificationSetting.objects.create(user=world.applicant_a, language="en")
    submitted(world)
    relay_everything()
    subjects = {m.to[0]: m.subject for m in mail.outbox if "submitted" in m.subject or "已提交" in m.subject}
    assert subjects == {"a@example.cn": f"Request {rq.FinancingRequest.objects.get().reference} submitted"}
    coordinator_mail = next(m for m in mail.outbox if m.to == ["coord@example.cn"])
    assert "已通过初审" in coordinator_mail.subject
    assert coordinator_mail.alternatives[0][1] == "text/html"


def test_applicant_never_receives_an_institutions_internal_decline_note(world):
    request = submitted(world)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    referral = request.referrals.get(institution=world.bank_y)
    rs.decline_referral(
        referral_id=referral.pk,
        user=world.bank_y_user,
        reason_code="outside_appetite",
        note="internal: sector limit reached",
    )
    relay_everything()
    applicant_payloads = Delivery.objects.filter(user=world.applicant_a).values_list("payload", flat=True)
    assert all("sector limit" not in json.dumps(p) for p in applicant_payloads)
    assert Notification.objects.filter(user=world.bank_x_user, topic="referral.route").count() == 1
    assert not Notification.objects.filter(user=world.bank_x_user, topic="referral.decline").exists()
