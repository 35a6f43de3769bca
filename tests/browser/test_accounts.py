"""Accounts in a real Chromium, in zh-hans, on a phone-sized screen unless marked: the front page, sign-up
with the mailed confirmation, a wrong password, the language switch kept across sign-ins, each role's
landing, the keyboard's skip link; axe-core finds no serious or critical violation on any of our pages."""

import re

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .conftest import fill, sign_in, sign_out, submit_form, wait_for_path

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests"
NEW_PASSWORD = "a-Long-new-pass-2026"


def html_lang(browser) -> str:
    return browser.find_element(By.TAG_NAME, "html").get_attribute("lang")


def open_menu(browser) -> None:
    """On a phone the header's links sit behind the menu button."""
    toggler = browser.find_element(By.CSS_SELECTOR, ".navbar-toggler")
    if toggler.is_displayed() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, 5).until(
            expected_conditions.visibility_of_element_located((By.ID, "language-submit"))
        )


def switch_language(browser, code: str) -> None:
    open_menu(browser)
    Select(browser.find_element(By.ID, "language-select")).select_by_value(code)
    submit_form(browser, browser.find_element(By.ID, "language-submit"))


def label_of(browser, field_id: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, f"label[for='{field_id}']").text


def test_the_front_page_in_chinese_links_each_kind_of_user(site, browser, axe):
    """Given a Chinese browser, when it opens /, then the page is zh-hans, offers sign-up and sign-in and
    links the coordinator console; axe finds nothing serious."""
    site.go("/")
    assert html_lang(browser) == "zh-hans"
    main = browser.find_element(By.ID, "main")
    hrefs = {a.get_attribute("href").removeprefix(site.url) for a in main.find_elements(By.TAG_NAME, "a")}
    assert {"/accounts/signup/", "/accounts/login/", "/admin/"} <= hrefs
    axe("front page (phone)")


@pytest.mark.viewport("desktop")
def test_the_front_page_on_a_desktop_shows_the_header_without_a_menu_button(site, browser, axe):
    site.go("/")
    assert not browser.find_element(By.CSS_SELECTOR, ".navbar-toggler").is_displayed()
    assert browser.find_element(By.ID, "language-select").is_displayed()
    axe("front page (desktop)")


def test_the_first_tab_reaches_the_skip_link_which_moves_to_the_content(site, browser):
    """Given a keyboard user on /, when it presses Tab, then the skip link is focused and visible; Enter
    moves the focus to the main content."""
    site.go("/")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("href").endswith("#main")
    assert focused.is_displayed()
    focused.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"


def test_a_new_sme_signs_up_confirms_by_mail_signs_in_and_lands_on_its_first_step(
    site, browser, axe, mailoutbox
):
    """Given a visitor, when it signs up, follows the mailed link, confirms and signs in, then it lands on
    the enterprise registration (/sme/ until that page exists); every page on the way passes axe."""
    site.go("/accounts/signup/")
    axe("sign-up form")
    fill(browser, "id_username", "new-sme")
    fill(browser, "id_email", "founder@example.cn")
    fill(browser, "id_password1", NEW_PASSWORD)
    fill(browser, "id_password2", NEW_PASSWORD)
    submit_form(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    assert site.path() == "/accounts/signup/done/"
    axe("sign-up done")
    assert not get_user_model().objects.get(username="new-sme").is_active

    (message,) = mailoutbox
    assert message.to == ["founder@example.cn"]
    link = re.search(r"https?://\S+", message.body).group(0)
    browser.get(link)
    axe("confirmation page")
    submit_form(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    assert site.path().startswith("/accounts/login/?next=")
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").is_displayed()  # "confirmed" message
    axe("sign-in after confirmation")

    fill(browser, "id_username", "new-sme")
    fill(browser, "id_password", NEW_PASSWORD)
    submit_form(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    expected = "/sme/enterprises/new/"
    wait_for_path(browser, expected)
    axe("first step of a new SME")


def test_a_sign_up_with_a_missing_address_names_the_field(site, browser, axe):
    site.go("/accounts/signup/")
    fill(browser, "id_username", "new-sme")
    fill(browser, "id_password1", NEW_PASSWORD)
    fill(browser, "id_password2", NEW_PASSWORD)
    submit_form(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    email = browser.find_element(By.ID, "id_email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "id_email_error" in email.get_attribute("aria-describedby")
    assert browser.find_element(By.ID, "id_email_error").is_displayed()
    axe("sign-up form with an error")


def test_a_wrong_password_shows_the_error_and_keeps_the_user_out(site, browser, axe, committed_world):
    """Given applicant A, when it types a wrong password, then the sign-in page says so (in Chinese) and
    the user stays signed out."""
    sign_in(browser, site, "applicant-a", "wrong")
    assert site.path() == "/accounts/login/"
    alert = browser.find_element(By.CSS_SELECTOR, "main [role=alert]")
    assert alert.is_displayed()
    assert "用户名" in alert.text  # Django's own message, in zh-hans
    axe("sign-in with an error")
    site.go("/sme/")
    assert site.path() == "/accounts/login/?next=/sme/"


def test_the_language_switch_changes_the_page_and_is_kept_across_sign_ins(
    site, browser, axe, committed_world
):
    """Given a Chinese browser on the sign-in page, when it switches to English, then the page is English;
    given applicant A who switches to English while signed in, when it signs in again from a browser
    without cookies, then its pages are English again."""
    site.go("/accounts/login/")
    assert label_of(browser, "id_username").startswith("用户名")
    switch_language(browser, "en")
    assert site.path() == "/accounts/login/"
    assert html_lang(browser) == "en"
    assert label_of(browser, "id_username").startswith("Username")
    axe("sign-in page in English")
    switch_language(browser, "zh-hans")
    assert html_lang(browser) == "zh-hans"

    sign_in(browser, site, "applicant-a", PASSWORD)
    wait_for_path(browser, "/sme/")
    assert html_lang(browser) == "zh-hans"
    switch_language(browser, "en")
    assert site.path() == "/sme/" and html_lang(browser) == "en"
    axe("SME home in English")
    sign_out(browser)

    browser.delete_all_cookies()
    site.go("/accounts/login/")
    assert html_lang(browser) == "zh-hans"
    sign_in(browser, site, "applicant-a", PASSWORD)
    wait_for_path(browser, "/sme/")
    assert html_lang(browser) == "en"
    site.go("/accounts/password/reset/")
    assert label_of(browser, "id_email").startswith("Email")


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("applicant-a", "/sme/"),
        ("coord-sh", "/admin/"),
        ("national-1", "/admin/"),
        ("bank-x", "/institution/"),
    ],
)
def test_each_role_signs_in_through_the_form_and_lands_on_its_home(
    site, browser, axe, committed_world, username, home
):
    sign_in(browser, site, username, PASSWORD)
    wait_for_path(browser, home)
    if not home.startswith("/admin/"):  # the admin keeps its own styling and checks
        axe(f"home of {username}")
