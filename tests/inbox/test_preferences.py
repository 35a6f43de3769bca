"""/inbox/preferences/: topics per channel, e-mail at all, the digest, the language; the relay obeys."""

import pytest
from django.core import mail

from coordination.models import Delivery, Notification, NotificationSetting
from coordination.notifications import relay
from coordination.services import financing_requests as rq
from tests.factories import draft_request

from .helpers import relay_everything

pytestmark = pytest.mark.django_db
URL = "/inbox/preferences/"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)


def form_data(response, **changes) -> dict:
    """The form as the browser would post it back (checked boxes only), with `changes` applied."""
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(changes)
    return {name: ("on" if value is True else value) for name, value in data.items() if value is not False}


def test_each_role_is_offered_the_topics_it_can_receive(client, world):
    # Given an applicant, a bank reviewer and a coordinator / When each opens the preferences
    offered = {}
    for user in (world.applicant_a, world.bank_x_user, world.coordinator):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 200
        offered[user.username] = response.context["form"].topics
    # Then each sees its own topics, with the reminder for everybody
    assert "offer.make" in offered["applicant-a"] and "referral.route" not in offered["applicant-a"]
    assert "referral.route" in offered["bank-x"] and "financing_request.submit" not in offered["bank-x"]
    assert "deadline.escalate" in offered["coord-sh"] and "offer.make" not in offered["coord-sh"]
    assert all("deadline.remind" in topics for topics in offered.values())


def test_a_new_user_starts_with_everything_on(client, world):
    # Given A never chose anything / When A opens the preferences
    client.force_login(world.applicant_a)
    form = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").context["form"]
    # Then every box is checked, the digest off, and the language the one A reads the page in
    assert all(form[name].value() is True for name in form.fields if name not in ("language", "email_digest"))
    assert form["email_digest"].value() is False and form["language"].value() == "en"


def test_saved_preferences_are_stored_and_keep_other_roles_choices(client, world):
    # Given A had muted a topic the form does not offer to an applicant
    NotificationSetting.objects.create(user=world.applicant_a, muted=["inbox:referral.route"])
    client.force_login(world.applicant_a)
    response = client.get(URL)
    # When A turns off the in-app "submitted" notice, chooses the digest and English, and saves
    data = form_data(
        response, **{"inbox-financing_request-submit": False, "email_digest": True, "language": "en"}
    )
    saved = client.post(URL, data)
    # Then the choices are stored, the earlier unrelated mute kept, and the page shows them again
    assert saved.status_code == 302 and saved["Location"] == URL
    setting = NotificationSetting.objects.get(user=world.applicant_a)
    assert (setting.language, setting.email_digest) == ("en", True)
    assert setting.muted == ["inbox:financing_request.submit", "inbox:referral.route"]
    again = client.get(URL).context["form"]
    assert again["inbox-financing_request-submit"].value() is False and again["email_digest"].value() is True


def test_an_unknown_language_is_refused_and_nothing_is_saved(client, world):
    client.force_login(world.applicant_a)
    data = form_data(client.get(URL), language="fr")
    response = client.post(URL, data)
    assert response.status_code == 200 and response.context["form"].errors["language"]
    assert not NotificationSetting.objects.filter(user=world.applicant_a).exists()


def test_the_relay_respects_the_preferences_saved_on_the_page(client, world):
    """Given A, on the page, mutes the in-app "submitted" notice and chooses the daily digest
    When A submits a request and the relay runs
    Then A's inbox lacks only that notice, and A's e-mails wait for the digest instead of going out"""
    client.force_login(world.applicant_a)
    client.post(
        URL, form_data(client.get(URL), **{"inbox-financing_request-submit": False, "email_digest": True})
    )
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    relay_everything()
    assert list(Notification.objects.filter(user=world.applicant_a).values_list("topic", flat=True)) == [
        "financing_request.screen_pass"
    ]
    emails = Delivery.objects.filter(user=world.applicant_a, channel="email")
    assert emails.count() == 2 and set(emails.values_list("state", flat=True)) == {"digest"}
    assert world.applicant_a.email not in [m.to[0] for m in mail.outbox]


def test_no_e_mail_at_all_when_e_mails_are_turned_off(client, world):
    # Given A turns e-mails off on the page
    client.force_login(world.applicant_a)
    client.post(URL, form_data(client.get(URL), email_enabled=False))
    assert NotificationSetting.objects.get(user=world.applicant_a).muted == ["email:*"]
    # When A's request is submitted and relayed
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    relay_everything()
    # Then A gets the in-app notices and no e-mail delivery at all; the coordinator still gets theirs
    assert Notification.objects.filter(user=world.applicant_a).count() == 2
    assert not Delivery.objects.filter(user=world.applicant_a, channel="email").exists()
    assert [m.to[0] for m in mail.outbox] == [world.coordinator.email]
