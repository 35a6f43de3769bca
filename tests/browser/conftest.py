"""Browser tests: Debian's Chromium, driven by Selenium through Debian's chromedriver, against pytest-django's
live server (the test database, committed: each test is transactional).

- `browser`: one headless Chromium per xdist worker, reset between tests (cookies, window); zh-CN, so the
  pages open in zh-hans. Phone-sized (390x844) by default; `@pytest.mark.viewport("desktop")` for 1366x900.
- `site`: the live server's address; `site.go(path)` opens a page and waits for it.
- `sign_in(browser, site, username, password)`: through the real form at /accounts/login/.
- `axe(browser)`: runs the vendored axe-core on the page; fails on any serious or critical violation.
- A failing browser test leaves a screenshot and the page's HTML in var/ci-logs/browser/ (CI_LOG_DIR), which
  CI keeps with its logs.

Without Chromium the tests skip locally and fail under CI=true (.ci/run installs it).
"""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}
AXE_JS = Path(settings.BASE_DIR) / "coordination" / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
WAIT_SECONDS = 10


def log_dir() -> Path:
    return Path(os.environ.get("CI_LOG_DIR", Path(settings.BASE_DIR) / "var" / "ci-logs")) / "browser"


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="session")
def _driver() -> Iterator:
    missing = _missing()
    if missing:
        if IN_CI:
            pytest.fail(missing)
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="techfin-chromium-")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        # This machine's network is closed: no background calls home.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=zh-CN",
        f"--user-data-dir={profile}",
        "--window-size=1366,900",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    # The Debian driver named explicitly: selenium-manager would otherwise try the network for one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(_driver, live_server, request):
    """The shared Chromium, fresh for this test: no cookies, the test's viewport."""
    marker = request.node.get_closest_marker("viewport")
    width, height = VIEWPORTS[marker.args[0] if marker else "phone"]
    _driver.get(live_server.url + "/healthz")  # cookies are deleted for the open origin: be on ours
    _driver.delete_all_cookies()
    # The page's viewport itself (not the window around it); a phone also honours <meta name=viewport>.
    _driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 768},
    )
    return _driver


@dataclass
class Site:
    url: str
    driver: object

    def go(self, path: str) -> None:
        self.driver.get(self.url + path)  # type: ignore[attr-defined]

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.driver.current_url)  # type: ignore[attr-defined]


@pytest.fixture
def site(browser, live_server) -> Site:
    return Site(live_server.url, browser)


def wait_for_path(browser, path: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda driver: re.sub(r"^https?://[^/]+", "", driver.current_url) == path,
        message=f"expected to reach {path}",
    )


def submit_form(browser, button) -> None:
    """Click a submit button and wait for the page it posts to (the old page goes stale)."""
    from selenium.webdriver.support.ui import WebDriverWait

    # A mark on the old window, gone once the new document has loaded. Chromium can answer a
    # staleness check mid-navigation with "node does not belong to the document" instead of a
    # stale-element error, so the element itself is not what we wait on.
    browser.execute_script("window.__before_submit = true;")
    # Instant: Bootstrap makes scrolling smooth, and a click mid-scroll lands on whatever passes under it.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
    button.click()
    WebDriverWait(browser, WAIT_SECONDS).until(_left_the_old_page)


def _left_the_old_page(driver) -> bool:
    from selenium.common.exceptions import WebDriverException

    try:
        return bool(
            driver.execute_script(
                "return window.__before_submit === undefined && document.readyState === 'complete';"
            )
        )
    except WebDriverException:  # mid-navigation; ask again
        return False


def fill(browser, field_id: str, value: str) -> None:
    element = browser.find_element("id", field_id)
    element.clear()
    element.send_keys(value)


def sign_in(browser, site: Site, username: str, password: str, *, next_path: str = "") -> None:
    """Through the real form, as a person would: type, then press the button."""
    site.go("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    fill(browser, "id_username", username)
    fill(browser, "id_password", password)
    submit_form(browser, browser.find_element("css selector", "main form button[type=submit]"))


def sign_out(browser) -> None:
    from selenium.webdriver.common.by import By

    toggler = browser.find_element(By.CSS_SELECTOR, ".navbar-toggler")
    if toggler.is_displayed():
        toggler.click()
    button = browser.find_element(By.CSS_SELECTOR, "form[action='/accounts/logout/'] button")
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT_SECONDS).until(expected_conditions.element_to_be_clickable(button))
    submit_form(browser, button)


def _violations_text(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(browser, _axe_source):
    """`axe(label)` checks the page open in the browser (WCAG 2 A/AA and best practices); a serious or
    critical violation fails the test, every violation found is printed."""

    def check(label: str = "") -> list[dict]:
        browser.execute_script(_axe_source)
        browser.set_script_timeout(30)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations)).catch(e => done({error: String(e)}));"
        )
        if isinstance(result, dict):
            pytest.fail(f"axe-core did not run on {label or browser.current_url}: {result['error']}")
        if result:
            print(f"axe-core on {label or browser.current_url}:\n{_violations_text(result)}")
        blocking = [v for v in result if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(
                f"accessibility violations on {label or browser.current_url}:\n{_violations_text(blocking)}",
                pytrace=False,
            )
        return result

    return check


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    if report.failed and report.when in ("setup", "call"):
        driver = getattr(item, "funcargs", {}).get("browser")
        if driver is not None:
            folder = log_dir()
            folder.mkdir(parents=True, exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:]
            try:
                driver.save_screenshot(str(folder / f"{stem}.png"))
                (folder / f"{stem}.html").write_text(driver.page_source, encoding="utf-8")
                report.sections.append(
                    ("browser", f"screenshot and page source of {driver.current_url} in {folder}/{stem}.*")
                )
            except Exception as error:  # the browser may be what failed
                report.sections.append(("browser", f"no screenshot: {error!r}"))
    return report


@pytest.fixture
def reduced_motion(browser):
    """Bootstrap scrolls smoothly unless the user prefers reduced motion: a click right after
    `scrollIntoView` would land where the element was mid-scroll. Asking for reduced motion makes
    every scroll instant, on every page of the test."""
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}
    )
    yield browser
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def follow(browser, link) -> None:
    """Click a link and wait for the page it leads to, as `submit_form` does for a button."""
    submit_form(browser, link)
