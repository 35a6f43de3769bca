"""An institution manager's catalogue in a real Chromium, in zh-hans (DESIGN §9, issue 13): the manager signs
in, opens the products from the header, exports the catalogue as CSV, uploads it with a new row whose maximum
is below its minimum (refused: its row number and reason shown, nothing saved), fixes the row, uploads again,
confirms, and sees the new product in the catalogue; an empty product form shows its errors by the fields.
axe-core finds nothing serious on any of the pages."""

import csv
import io
import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from lenders.models import Product

from .conftest import WAIT_SECONDS, sign_in, submit_form, wait_for_path
from .test_accounts import PASSWORD, open_menu

pytestmark = pytest.mark.browser

NEW_PRODUCT = "浦东科创成长贷"


@pytest.fixture
def manager(committed_world):
    committed_world.bank_x.managers.add(committed_world.bank_x_user)
    return committed_world


@pytest.fixture
def downloads(browser):
    folder = Path(tempfile.mkdtemp(prefix="techfin-downloads-"))
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    return folder


def downloaded(folder: Path, suffix: str) -> Path:
    """The file the browser saved, once it is complete (Chromium writes *.crdownload until then)."""
    WebDriverWait(None, WAIT_SECONDS).until(
        lambda _driver: [p for p in folder.iterdir() if p.suffix == suffix],
        message=f"no {suffix} file was downloaded",
    )
    return next(p for p in folder.iterdir() if p.suffix == suffix)


def with_row(exported: Path, target: Path, row: dict) -> Path:
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows([*rows, {**rows[0], **row}])
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


def press(browser, element_id: str) -> None:
    """Submit with the button, brought into view at once: Bootstrap scrolls smoothly, and a click while the
    page still moves lands elsewhere."""
    button = browser.find_element(By.ID, element_id)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
    submit_form(browser, button)


def upload(browser, path: Path) -> None:
    browser.find_element(By.ID, "id_file").send_keys(str(path))
    press(browser, "import-submit")


@pytest.mark.viewport("desktop")
def test_the_manager_exports_is_refused_a_bad_row_fixes_it_and_imports(
    site, browser, axe, manager, downloads
):
    sign_in(browser, site, "bank-x", PASSWORD)
    wait_for_path(browser, "/institution/")
    open_menu(browser)
    submit_form(browser, browser.find_element(By.CSS_SELECTOR, "#site-nav a[href='/institution/products/']"))
    assert site.path() == "/institution/products/"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    assert "X tech loan" in browser.find_element(By.ID, "catalogue").text
    axe("catalogue")

    browser.find_element(By.ID, "export-csv").click()
    exported = downloaded(downloads, ".csv")

    bad = with_row(
        exported,
        downloads / "bad.csv",
        {"id": "", "name": NEW_PRODUCT, "min_amount": "9000000", "max_amount": "1000000"},
    )
    upload(browser, bad)
    assert site.path() == "/institution/products/import/"
    refused = browser.find_element(By.CSS_SELECTOR, "#import-rows tr[data-status='bad']")
    assert refused.get_attribute("data-row") == "3"
    assert "max_amount" in refused.text and refused.find_element(By.CSS_SELECTOR, "td").text == "3"
    assert browser.find_elements(By.ID, "import-refused") and not browser.find_elements(
        By.ID, "import-confirm"
    )
    assert not Product.objects.filter(name=NEW_PRODUCT).exists()
    axe("import refused")

    site.go("/institution/products/")
    fixed = with_row(
        exported, downloads / "fixed.csv", {"id": "", "name": NEW_PRODUCT, "max_amount": "20000000"}
    )
    upload(browser, fixed)
    statuses = [
        row.get_attribute("data-status")
        for row in browser.find_elements(By.CSS_SELECTOR, "#import-rows tbody tr")
    ]
    assert statuses == ["unchanged", "new"]
    axe("import preview")
    press(browser, "import-confirm")
    assert site.path() == "/institution/products/"
    assert NEW_PRODUCT in browser.find_element(By.ID, "catalogue").text
    assert Product.objects.get(name=NEW_PRODUCT).institution == manager.bank_x

    site.go("/institution/products/new/")
    press(browser, "product-submit")  # empty: each required field says so
    assert browser.find_elements(By.CSS_SELECTOR, "#id_name_error")
    axe("product form with errors")

    site.go("/institution/team/")
    assert "bank-x" in browser.find_element(By.ID, "team").text
    axe("team")
