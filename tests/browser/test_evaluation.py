"""/evaluation/ in a real browser: charts drawn by the vendored ECharts, no serious accessibility issue."""

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import WAIT_SECONDS, sign_in, wait_for_path

pytestmark = pytest.mark.browser


@pytest.fixture
def committed_history(transactional_db):
    from tests.evaluation.data import build_history

    return build_history()


@pytest.mark.viewport("desktop")
def test_the_national_coordinator_sees_the_charts(site, browser, axe, committed_history):
    """Given the history, when the national coordinator opens the first quarter of 2026, then the funnel,
    decline and region charts are drawn and the page has no serious accessibility violation."""
    sign_in(browser, site, "eval-national", "pw-for-tests")
    wait_for_path(browser, "/admin/")
    site.go("/evaluation/?scope=national&start=2026-01-01&end=2026-03-31")
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda driver: len(driver.find_elements("css selector", ".evaluation-chart canvas")) == 3,
        message="expected three charts",
    )
    assert browser.find_element("css selector", 'tr[data-code="funded_amount"]').is_displayed()
    axe("evaluation dashboard")
