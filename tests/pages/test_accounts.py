"""Accounts in the pages (issue 12, build 1): the front page, sign-in landing per role, sign-up with e-mail
confirmation, password reset by e-mail, the login lockout on /accounts/login/, the language kept in the
profile, and the header's links. With Django's test client; tests/browser/ drives the same in Chromium."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import selectors
from coordination.demo.seed import seed_demo
from coordination.models import Notification, NotificationSetting
from coordination.services import accounts
from coordination.views.home import home_url_for
from coordination.views.links import url_or_none
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"
NEW_PASSWORD = "a-Long-new-pass-2026"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, username: str, password: str = PASSWORD, address: str = "127.0.0.1", **fields):
    return client.post(LOGIN, {"username": username, "password": password, **fields}, REMOTE_ADDR=address)


def sign_up(client: Client, **fields):
    data = {
        "username": "new-sme",
        "email": "founder@example.cn",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **fields,
    }
    return client.post("/accounts/signup/", data, HTTP_ACCEPT_LANGUAGE=fields.pop("language", "zh-hans"))


# Templates that print the language active while an e-mail is rendered (the catalogues come separately).
TEST_TEMPLATES = Path(__file__).parent / "templates"


def templates_first(folder: Path) -> list[dict]:
    first = {**settings.TEMPLATES[0], "DIRS": [folder, *settings.TEMPLATES[0]["DIRS"]]}
    return [first, *settings.TEMPLATES[1:]]


def header(html: str) -> str:
    return html.split("<main")[0]


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# --- the front page -------------------------------------------------------------------------------


def test_given_a_visitor_when_the_front_page_opens_then_it_is_chinese_and_links_each_kind_of_user(settings):
    """Given nobody signed in, when / opens, then it is zh-hans and offers sign-up, sign-in, the console."""
    settings.LANGUAGE_CODE = "zh-hans"  # the product's default (the test settings read English)
    page = Client().get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in html
    for url in ("/accounts/signup/", "/accounts/login/", "/admin/", "/i18n/setlang/"):
        assert f'"{url}' in html, url
    assert 'href="#main"' in html  # the skip link
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html


def test_given_english_chosen_then_the_front_page_is_english():
    """Given the language cookie says en, then <html lang> and the text follow it."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign up as an SME" in html


# --- landing per role -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("applicant-a", "/sme/"),
        ("coord-sh", "/admin/"),
        ("national-1", "/admin/"),
        ("superuser", "/admin/"),
        ("nobody-yet", "/sme/"),
        ("bank-x", "/institution/"),
    ],
)
def test_given_each_role_when_it_signs_in_through_the_form_then_it_lands_on_its_home(world, who, expected):
    """Given a user of each role, when it signs in at /accounts/login/, then it ends on its role's home."""
    if who == "superuser":
        f.UserFactory(username=who, is_staff=True, is_superuser=True)
    elif who == "nobody-yet":
        f.UserFactory(username=who)
    client = Client()
    signed_in = sign_in(client, who)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/accounts/home/"
    landing = client.get("/accounts/home/")
    assert landing.status_code == 302
    assert landing["Location"] == expected


def test_the_landing_reuses_the_role_of_the_me_endpoint(world):
    """Given users of each role, then the pages' main role is the one GET /api/v1/me/ reports."""
    for user in (world.applicant_a, world.bank_x_user, world.coordinator, world.national):
        assert selectors.main_role(user) == selectors.describe_user(user)["role"]
    assert home_url_for(world.applicant_a) == "/sme/"


def test_given_a_next_address_then_the_sign_in_goes_there(world):
    client = Client()
    response = sign_in(client, "applicant-a", next="/sme/")
    assert response["Location"] == "/sme/"


def test_given_a_foreign_next_address_then_the_sign_in_ignores_it(world):
    response = sign_in(Client(), "applicant-a", next="https://evil.example.com/")
    assert response["Location"] == "/accounts/home/"


def test_given_a_wrong_password_then_the_form_says_so_and_nobody_is_signed_in(world):
    client = Client()
    response = sign_in(client, "applicant-a", "wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_given_nobody_signed_in_when_sme_opens_then_the_sign_in_asks_first():
    response = Client().get("/sme/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/sme/"


def test_the_sme_home_lists_the_users_own_enterprises_and_requests_only(world):
    """Given applicants A and B with a request each, when A opens /sme/, then only A's appear."""
    own = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    other = f.draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
    client = Client()
    client.force_login(world.applicant_a)
    html = client.get("/sme/").content.decode()
    assert world.enterprise_a.name in html and own.reference in html
    assert world.enterprise_b.name not in html and other.reference not in html


def test_sign_out_is_a_post_and_ends_the_session(world):
    client = Client()
    client.force_login(world.applicant_a)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert client.get("/sme/").status_code == 302


# --- sign-up --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"username": ""}, "username"),
        ({"username": "applicant-a"}, "username"),  # taken
        ({"password2": "something-else-2026"}, "password2"),
        ({"password1": "12345678", "password2": "12345678"}, "password2"),  # Django's password rules
        ({"email": "APPLICANT-A@example.cn"}, "email"),  # an address already registered, any case
    ],
)
def test_given_a_bad_sign_up_then_the_field_in_error_is_named_and_nothing_is_created(
    world, fields, field_in_error
):
    """Given a sign-up with one bad field, then the form comes back naming that field; no account, no mail."""
    before = get_user_model().objects.count()
    response = sign_up(Client(), **fields)
    assert response.status_code == 200
    form = response.context["form"]
    assert field_in_error in form.errors, form.errors
    assert f'id="id_{field_in_error}_error"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert get_user_model().objects.count() == before
    assert mail.outbox == []


def test_given_a_sign_up_then_the_account_waits_for_the_confirmation_mailed_in_the_pages_language(
    world, django_capture_on_commit_callbacks
):
    """Given a visitor in en who signs up, then the account is inactive, its language is en, and an English
    e-mail carries the confirmation link."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/done/"
    user = get_user_model().objects.get(username="new-sme")
    assert not user.is_active
    assert selectors.language_for(user) == "en"
    (message,) = mail.outbox
    assert message.to == ["founder@example.cn"]
    assert "Confirm your e-mail address" in message.subject
    assert "/accounts/signup/confirm/" in link_in(message)


def test_given_a_confirmed_sign_up_then_the_new_user_signs_in_and_lands_on_registering_an_enterprise(
    world, django_capture_on_commit_callbacks
):
    """Given a sign-up, when the user signs in before confirming, then it is told to confirm; when it
    confirms (a POST from the mailed page) and signs in, then it lands on the enterprise registration (or
    /sme/ until that page exists)."""
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
    confirm = path_of(link_in(mail.outbox[0]))

    early = sign_in(client, "new-sme", NEW_PASSWORD)
    assert early.status_code == 200
    assert [e.code for e in early.context["form"].non_field_errors().as_data()] == ["unconfirmed"]

    page = client.get(confirm)
    assert page.status_code == 200
    assert not get_user_model().objects.get(username="new-sme").is_active  # a GET confirms nothing
    confirmed = client.post(confirm)
    assert confirmed.status_code == 302
    target = "/sme/enterprises/new/"
    assert confirmed["Location"] == f"/accounts/login/?next={target.replace('/', '%2F')}"
    assert get_user_model().objects.get(username="new-sme").is_active

    landed = sign_in(client, "new-sme", NEW_PASSWORD, next=target)
    assert landed["Location"] == target
    assert client.get(target).status_code == 200
    # Following the link again changes nothing.
    assert client.post(confirm).status_code == 302


def test_given_a_tampered_confirmation_link_then_it_is_refused(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(Client())
    confirm = path_of(link_in(mail.outbox[0]))
    tampered = confirm.rstrip("/")[:-2] + "xx/"
    response = Client().post(tampered)
    assert response.status_code == 400
    assert not get_user_model().objects.get(username="new-sme").is_active


def test_given_an_expired_confirmation_link_then_a_fresh_one_is_mailed(
    world, django_capture_on_commit_callbacks
):
    """Given a link older than SIGNUP_CONFIRMATION_MAX_AGE, when followed, then the account stays inactive
    and a new link goes to the same address; the new one works."""
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(Client())
    old = path_of(link_in(mail.outbox[0]))
    later = timezone.now() + timedelta(seconds=settings.SIGNUP_CONFIRMATION_MAX_AGE + 60)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(old)
        assert response.status_code == 400
        assert not get_user_model().objects.get(username="new-sme").is_active
        assert len(mail.outbox) == 2 and mail.outbox[1].to == ["founder@example.cn"]
        fresh = path_of(link_in(mail.outbox[1]))
        assert Client().post(fresh).status_code == 302
    assert get_user_model().objects.get(username="new-sme").is_active


def test_a_deactivated_account_is_not_revived_by_its_old_confirmation_link(world):
    user = f.UserFactory(username="closed", is_active=False, last_login=timezone.now())
    token = accounts.confirmation_token(user)
    response = Client().post(reverse("signup_confirm", args=[token]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.is_active


# --- lockout (django-axes on /accounts/login/) ----------------------------------------------------


def test_given_failures_up_to_the_limit_on_the_pages_login_then_the_account_is_locked_from_that_address(
    world,
):
    """Given AXES_FAILURE_LIMIT wrong passwords at /accounts/login/, then the last is a 429 lockout page and
    even the right password is refused from that address; from another address it still signs in."""
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert sign_in(client, "applicant-a", "wrong", address="198.51.100.30").status_code == 200
    locked = sign_in(client, "applicant-a", "wrong", address="198.51.100.30")
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    right = sign_in(client, "applicant-a", address="198.51.100.30")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    elsewhere = Client()
    assert sign_in(elsewhere, "applicant-a", address="198.51.100.31").status_code == 302


# --- password reset by e-mail ---------------------------------------------------------------------


def test_given_a_forgotten_password_then_a_reset_link_in_the_users_language_sets_a_new_one(world):
    """Given applicant A whose language is en, when a reset is asked from a Chinese page, then the e-mail
    is English; following its link sets a new password that signs in."""
    accounts.set_language_preference(user=world.applicant_a, language="en")
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": world.applicant_a.email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    (message,) = mail.outbox
    assert message.to == [world.applicant_a.email]
    assert "Reset your password" in message.subject
    link = path_of(link_in(message))
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert sign_in(Client(), "applicant-a", NEW_PASSWORD).status_code == 302


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(world):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    assert mail.outbox == []


@pytest.mark.parametrize(("kept", "page", "expected"), [(None, "en", "zh-hans"), ("en", "zh-hans", "en")])
def test_the_reset_mail_is_in_the_accounts_language_whatever_the_page(world, settings, kept, page, expected):
    """Given an account that kept `kept` (None: never chose), when a reset is asked from a page in `page`,
    then the e-mail is rendered in `expected` (the default when never chosen)."""
    settings.LANGUAGE_CODE = "zh-hans"  # the product's default (the test settings read English)
    if kept:
        accounts.set_language_preference(user=world.applicant_b, language=kept)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = page
    with override_settings(TEMPLATES=templates_first(TEST_TEMPLATES)):
        client.post("/accounts/password/reset/", {"email": world.applicant_b.email})
    (message,) = mail.outbox
    assert message.subject == f"reset-subject-in-{expected}"


def test_the_sign_up_mail_is_in_the_language_of_the_page_that_signed_up(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with (
        override_settings(TEMPLATES=templates_first(TEST_TEMPLATES)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sign_up(client)
    assert mail.outbox[0].subject == "signup-subject-in-en"


# --- the language, kept in the profile ------------------------------------------------------------


def test_given_a_signed_in_user_when_it_switches_language_then_it_is_kept_and_comes_back_at_sign_in(world):
    """Given applicant A signed in, when it posts en to /i18n/setlang/, then its settings keep en; when it
    signs in later from a browser without the cookie, then the response sets the cookie to en."""
    client = Client()
    client.force_login(world.applicant_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/sme/"})
    assert response.status_code == 302 and response["Location"] == "/sme/"
    assert NotificationSetting.objects.get(user=world.applicant_a).language == "en"
    assert selectors.language_for(get_user_model().objects.get(pk=world.applicant_a.pk)) == "en"

    fresh = Client()
    signed_in = sign_in(fresh, "applicant-a")
    assert signed_in.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in fresh.get("/sme/").content.decode()


def test_given_a_visitor_when_it_switches_language_then_only_the_cookie_changes(world):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not NotificationSetting.objects.exists()


def test_an_unknown_language_is_not_kept(world):
    client = Client()
    client.force_login(world.applicant_a)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert not NotificationSetting.objects.filter(user=world.applicant_a).exists()
    assert selectors.language_for(world.applicant_a) == settings.LANGUAGE_CODE


def test_a_user_who_never_chose_keeps_the_browsers_language_at_sign_in(world):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = sign_in(client, "applicant-a")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="en">' in client.get("/sme/").content.decode()


def test_the_language_switch_is_a_labelled_form_posting_to_set_language_with_the_current_path():
    html = Client().get("/accounts/login/?next=/sme/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<label class="visually-hidden" for="language-select">' in html
    assert 'name="next" value="/accounts/login/?next=/sme/"' in html


# --- the header -----------------------------------------------------------------------------------


def test_the_header_links_only_the_areas_of_the_users_roles(world):
    """Given an applicant, a coordinator and a bank reviewer, then each header links its own areas only."""
    pages = {}
    for user in (world.applicant_a, world.coordinator, world.bank_x_user):
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get("/").content.decode()
    applicant, coordinator, bank = (header(pages[name]) for name in ("applicant-a", "coord-sh", "bank-x"))
    assert 'href="/sme/"' in applicant and 'href="/admin/"' not in applicant
    assert 'href="/admin/"' in coordinator and 'href="/sme/"' not in coordinator
    assert 'href="/sme/"' not in bank and 'href="/admin/"' not in bank
    assert ('href="/institution/"' in bank) == (url_or_none("institution:queue") is not None)


@override_settings(ROOT_URLCONF="tests.pages.urls_with_inbox")
def test_once_the_inbox_exists_the_header_shows_its_unread_count(world):
    """Given an inbox page and two unread notifications of applicant A (one read), then A's header links the
    inbox with the count 2."""
    for key, read_at in (("a", None), ("b", None), ("c", timezone.now())):
        Notification.objects.create(
            user=world.applicant_a, topic="t", title="t", delivery_key=key, read_at=read_at
        )
    client = Client()
    client.force_login(world.applicant_a)
    html = client.get("/sme/").content.decode()
    assert 'href="/inbox/"' in html
    assert re.search(r'id="unread-count">2<span class="visually-hidden">', html)


@override_settings(ROOT_URLCONF="tests.support.urls_without_inbox")
def test_without_an_inbox_page_the_header_does_not_link_one(world):
    client = Client()
    client.force_login(world.applicant_a)
    html = client.get("/sme/").content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert 'href="/inbox/"' not in header


@override_settings(ROOT_URLCONF="tests.pages.urls_with_inbox")
def test_the_admin_pays_no_query_for_the_pages_header(world):
    """The header's context is lazy: an admin page, which does not show it, reads nothing for it."""
    client = Client()
    client.force_login(world.national)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/admin/").status_code == 200
    assert not any("coordination_notification" in q["sql"] for q in captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    assert any("coordination_notification" in q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("demo-applicant", "/sme/"),
        ("demo-applicant-2", "/sme/"),
        ("demo-bank", "/institution/"),
        ("demo-vc", "/institution/"),
        ("demo-coordinator", "/admin/"),
        ("demo-national", "/admin/"),
        ("admin", "/admin/"),
    ],
)
def test_the_demo_logins_land_on_their_homes(username, home):
    """Given the demo data (DESIGN.md §8), when each demo login signs in at /accounts/login/ with the demo
    password, then it ends on its role's home."""
    seed_demo(scale=1, password=PASSWORD)
    client = Client()
    assert sign_in(client, username)["Location"] == "/accounts/home/"
    assert client.get("/accounts/home/")["Location"] == home
    assert client.get(home).status_code == 200
