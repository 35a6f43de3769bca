"""The institution managers' pages (DESIGN §1, §9): /institution/products/ (catalogue, a product's form, the
file out and in) and /institution/team/.

Per role: the institution's manager reads and changes them; its plain members, another institution's manager,
an applicant and a coordinator get a 404 (another institution's product too); anonymous visitors are sent to
sign in. An upload previews every row and saves nothing; a file with a bad row names the row and reason and
cannot be confirmed; a clean one is imported on confirmation. The header links the pages for managers only.
"""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lenders.catalogue.resource import COLUMNS
from lenders.models import Product
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    world.bank_x.managers.add(world.bank_x_user)
    world.bank_y.managers.add(world.bank_y_user)
    world.bank_x_member = f.UserFactory(username="bank-x-2")
    world.bank_x.members.add(world.bank_x_member)
    return world


def client_for(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


PAGES = [
    ("institution:products", ()),
    ("institution:product-new", ()),
    ("institution:team", ()),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_the_manager_reads_each_page(people, name, args):
    assert client_for(people.bank_x_user).get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(("name", "args"), PAGES)
@pytest.mark.parametrize("who", ["bank_x_member", "applicant_a", "coordinator", "national"])
def test_anyone_but_a_manager_gets_a_404(people, name, args, who):
    assert client_for(getattr(people, who)).get(reverse(name, args=args)).status_code == 404


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(people, name, args):
    response = client_for().get(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_institutions_product_is_a_404_for_a_manager(people):
    """Given bank Y's manager, when it opens or posts bank X's product, then 404; the product is unchanged."""
    client = client_for(people.bank_y_user)
    url = reverse("institution:product", args=[people.loan_x.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Hijacked"}).status_code == 404
    assert Product.objects.get(pk=people.loan_x.pk).name == "X tech loan"


@pytest.mark.parametrize("who", ["bank_x_member", "applicant_a", "coordinator"])
def test_the_writes_are_404_for_anyone_but_the_manager(people, who):
    client = client_for(getattr(people, who))
    assert client.get(reverse("institution:products-export", args=["csv"])).status_code == 404
    assert client.post(reverse("institution:team-add"), {"who": "applicant-b"}).status_code == 404
    remove = reverse("institution:team-remove", args=[people.bank_x_user.pk])
    assert client.post(remove).status_code == 404
    demote = reverse("institution:team-manager", args=[people.bank_x_user.pk])
    assert client.post(demote, {"manager": "0"}).status_code == 404
    assert people.bank_x.managers.filter(pk=people.bank_x_user.pk).exists()
    assert people.bank_x.members.filter(pk=people.bank_x_user.pk).exists()


def test_another_institutions_manager_exports_and_removes_only_its_own(people):
    """Given bank Y's manager, then its export has bank Y's loan and not bank X's, and removing bank X's
    reviewer is a 404 (not a member of bank Y)."""
    client = client_for(people.bank_y_user)
    body = client.get(reverse("institution:products-export", args=["csv"])).content.decode("utf-8-sig")
    assert "Y tech loan" in body and "X tech loan" not in body
    assert client.post(reverse("institution:team-remove", args=[people.bank_x_user.pk])).status_code == 404
    assert people.bank_x.members.filter(pk=people.bank_x_user.pk).exists()


# --- the catalogue -----------------------------------------------------------------------------------------


def test_the_catalogue_shows_eligibility_capacity_and_window(people):
    """Given bank X's loan with a field and 300 万元 of its capacity used, then the catalogue shows its
    ranges in 万元, the field, the stages, the capacity used and left, and its window; not bank Y's loan."""
    ai = f.TechFieldFactory(code="ai", name="人工智能")
    people.loan_x.fields.add(ai)
    Product.objects.filter(pk=people.loan_x.pk).update(capacity_used=3_000_000)
    body = client_for(people.bank_x_user).get(reverse("institution:products")).content.decode()
    assert "X tech loan" in body and "Y tech loan" not in body
    assert "100.00 万元 – 10,000.00 万元" in body  # 1 000 000 – 100 000 000 yuan
    assert "人工智能" in body and "6–60 months" in body
    assert "300.00 万元 / 100,000.00 万元" in body and "99,700.00 万元 left" in body
    assert "2025-01-01 – open-ended" in body


def test_the_catalogue_reads_the_same_queries_for_1_and_many_products(people):
    client = client_for(people.bank_x_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("institution:products")).status_code == 200
        return len(queries.captured_queries)

    one = count()
    ai = f.TechFieldFactory(code="ai", name="人工智能")
    for _ in range(5):
        product = f.ProductFactory(institution=people.bank_x)
        product.fields.add(ai)
        product.regions.add(people.shanghai)
    assert count() == one


def form_data(**changes) -> dict:
    data = {
        "name": "Page loan",
        "instrument": "credit_loan",
        "min_amount": "100",
        "max_amount": "500",
        "min_term_months": "6",
        "max_term_months": "24",
        "for_startup": "on",
        "for_growth": "on",
        "min_credit_score": "30",
        "rate_min": "3.10",
        "rate_max": "3.90",
        "yearly_capacity": "20000",
        "active_from": "2026-01-01",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_the_manager_adds_a_product_in_the_pages_units(people):
    """Given amounts in 万元 and rates in percent, when the manager saves the form, then the product is bank
    X's, in yuan and fractions, and its history names the manager."""
    response = client_for(people.bank_x_user).post(
        reverse("institution:product-new"), form_data(eligible_regions=["310000"])
    )
    assert response.status_code == 302 and response["Location"] == reverse("institution:products")
    product = Product.objects.get(name="Page loan")
    assert product.institution == people.bank_x
    assert (product.min_amount, product.max_amount, product.rate_min) == (
        1_000_000,
        5_000_000,
        Decimal("0.031"),
    )
    assert (product.for_stable, [r.code for r in product.regions.all()]) == (False, ["310000"])
    assert product.history.first().history_user == people.bank_x_user


def test_a_product_with_bad_ranges_is_refused_on_each_field(people):
    """Given a maximum below the minimum and a window ending before it starts, when saved, then 400 with each
    reason under its field, and nothing saved."""
    response = client_for(people.bank_x_user).post(
        reverse("institution:product-new"),
        form_data(max_amount="50", active_until="2025-06-30", min_credit_score="150"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["max_amount"] == ["Must not be less than the minimum amount."]
    assert errors["active_until"] == ["Must not be before the start of the active window."]
    assert errors["min_credit_score"] == ["Must be from 0 to 100."]
    assert not Product.objects.filter(name="Page loan").exists()


def test_a_bank_is_offered_only_its_instruments(people):
    response = client_for(people.bank_x_user).get(reverse("institution:product-new"))
    choices = [value for value, _label in response.context["form"].fields["instrument"].choices]
    assert choices == ["credit_loan", "ip_pledge_loan", "sci_tech_bond"]
    posted = client_for(people.bank_x_user).post(
        reverse("institution:product-new"), form_data(instrument="equity")
    )
    assert posted.status_code == 400 and "instrument" in posted.context["form"].errors


def test_the_manager_edits_a_product_from_its_current_values(people):
    client = client_for(people.bank_x_user)
    url = reverse("institution:product", args=[people.loan_x.pk])
    initial = client.get(url).context["form"].initial
    assert (initial["min_amount"], initial["max_amount"]) == (100, 10000)
    assert client.post(url, form_data(name="X tech loan (2026)")).status_code == 302
    assert Product.objects.get(pk=people.loan_x.pk).name == "X tech loan (2026)"


# --- the file ----------------------------------------------------------------------------------------------


def exported(client) -> list[dict]:
    response = client.get(reverse("institution:products-export", args=["csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def upload(client, rows: list[dict], name="catalogue.csv"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    file = SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")
    return client.post(reverse("institution:products-import"), {"file": file})


def test_the_xlsx_export_is_a_workbook(people):
    response = client_for(people.bank_x_user).get(reverse("institution:products-export", args=["xlsx"]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_file_with_a_bad_row_is_previewed_with_its_row_number_and_cannot_be_confirmed(people):
    """Given the export with a new row whose maximum is below its minimum, when uploaded, then 400: the
    preview lists row 2 unchanged and row 3 refused with the column and reason, offers no confirmation, and
    nothing is saved; a confirmation posted anyway imports nothing."""
    client = client_for(people.bank_x_user)
    rows = exported(client)
    bad = dict(rows[0], id="", name="Broken", min_amount="9000000", max_amount="100")
    response = upload(client, [rows[0], bad])
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-row="2" data-status="unchanged"' in body and 'data-row="3" data-status="bad"' in body
    assert "max_amount: Must not be less than the minimum amount." in body
    assert "nothing from this file was saved" in body and 'id="import-confirm"' not in body
    confirmed = client.post(reverse("institution:products-import-confirm"), {"token": "guess"})
    assert confirmed.status_code == 302
    assert not Product.objects.filter(name="Broken").exists()


def test_a_clean_file_is_previewed_then_imported_on_confirmation(people):
    client = client_for(people.bank_x_user)
    rows = exported(client)
    added = dict(rows[0], id="", name="Imported loan")
    preview = upload(client, [dict(rows[0], name="X tech loan v2"), added])
    assert preview.status_code == 200
    body = preview.content.decode()
    assert 'data-row="2" data-status="changed"' in body and 'data-row="3" data-status="new"' in body
    assert not Product.objects.filter(name="Imported loan").exists()
    token = preview.context["token"]
    response = client.post(reverse("institution:products-import-confirm"), {"token": token}, follow=True)
    assert "1 new, 1 changed, 0 unchanged" in response.content.decode()
    assert Product.objects.get(name="Imported loan").institution == people.bank_x
    assert Product.objects.get(pk=people.loan_x.pk).name == "X tech loan v2"
    # The token is spent: confirming again imports nothing twice.
    client.post(reverse("institution:products-import-confirm"), {"token": token})
    assert Product.objects.filter(name="Imported loan").count() == 1


def test_a_file_that_is_not_a_catalogue_is_refused_on_the_upload_field(people):
    client = client_for(people.bank_x_user)
    file = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    response = client.post(reverse("institution:products-import"), {"file": file})
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == ["Upload an XLSX or CSV file."]


def test_another_managers_pending_import_cannot_be_confirmed(people):
    """Given bank X's manager previewing a clean file, when bank Y's manager posts the token, then bank Y's
    session has no such import and nothing is saved."""
    x = client_for(people.bank_x_user)
    rows = exported(x)
    token = upload(x, [dict(rows[0], id="", name="X only")]).context["token"]
    client_for(people.bank_y_user).post(reverse("institution:products-import-confirm"), {"token": token})
    assert not Product.objects.filter(name="X only").exists()


# --- the team ----------------------------------------------------------------------------------------------


def test_the_team_page_lists_members_with_their_roles_and_no_remove_button_for_oneself(people):
    body = client_for(people.bank_x_user).get(reverse("institution:team")).content.decode()
    assert "bank-x-2" in body and "Manager" in body
    assert reverse("institution:team-remove", args=[people.bank_x_member.pk]) in body
    assert reverse("institution:team-remove", args=[people.bank_x_user.pk]) not in body


def test_the_manager_adds_and_removes_a_member(people):
    client = client_for(people.bank_x_user)
    added = client.post(reverse("institution:team-add"), {"who": "insurer"}, follow=True)
    assert "insurer is now a member." in added.content.decode()
    assert people.bank_x.members.filter(pk=people.insurer_user.pk).exists()
    client.post(reverse("institution:team-remove", args=[people.insurer_user.pk]))
    assert not people.bank_x.members.filter(pk=people.insurer_user.pk).exists()


def test_the_manager_makes_a_member_a_manager_from_the_page(people):
    client = client_for(people.bank_x_user)
    url = reverse("institution:team-manager", args=[people.bank_x_member.pk])
    assert url in client.get(reverse("institution:team")).content.decode()
    response = client.post(url, {"manager": "1"}, follow=True)
    assert "bank-x-2 is now a manager." in response.content.decode()
    assert client_for(people.bank_x_member).get(reverse("institution:products")).status_code == 200
    client.post(url, {"manager": "0"})
    assert client_for(people.bank_x_member).get(reverse("institution:products")).status_code == 404


def test_adding_an_unknown_account_says_why_on_the_field(people):
    response = client_for(people.bank_x_user).post(reverse("institution:team-add"), {"who": "ghost"})
    assert response.status_code == 400
    assert response.context["form"].errors["who"][0].startswith("No account has this username")


# --- the header ---------------------------------------------------------------------------------------------


def test_the_header_links_products_and_team_for_managers_only(people):
    manager = client_for(people.bank_x_user).get(reverse("institution:team")).content.decode()
    member = client_for(people.bank_x_member).get(reverse("institution:queue")).content.decode()
    for url in (reverse("institution:products"), reverse("institution:team")):
        assert f'href="{url}"' in manager and f'href="{url}"' not in member
    links = client_for(people.bank_x_user).get(reverse("institution:team")).context["nav_links"]
    assert [link.url for link in links if link.current] == [reverse("institution:team")]


# --- the demo -----------------------------------------------------------------------------------------------


def test_the_demo_makes_each_institutions_reviewer_its_manager(db):
    """Given the demo (DESIGN §8), then demo-bank manages its institution and sees its products, and each
    other demo institution has its one demo reviewer as manager."""
    from django.contrib.auth import get_user_model

    from coordination.demo.seed import seed_demo

    seed_demo(scale=1, password="test-demo-pass")
    users = get_user_model().objects.filter(username__startswith="demo-")
    for username in ("demo-bank", "demo-bank-2", "demo-insurer", "demo-vc", "demo-guarantor"):
        user = users.get(username=username)
        institution = user.institutions.get()
        assert list(institution.managers.all()) == [user]
    body = client_for(users.get(username="demo-bank")).get(reverse("institution:products")).content.decode()
    assert "科创信用贷" in body and "重大任务科技贷" in body and "浦江科创贷" not in body
