import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.test import Client
from django.utils import timezone

from coordination.demo.seed import DEMO_USERNAMES, seed_demo
from coordination.models import CoordinatorScope, FinancingRequest
from coordination.permissions import COORDINATOR_GROUP
from coordination.services import referrals as referral_services
from coordination.services import routing
from lenders.choices import INSTRUMENTS_BY_KIND, InstitutionKind, Instrument
from lenders.models import STAGE_FLAGS, Institution, Product, RelendingPolicy
from projects.choices import TaskLevel
from projects.domain.tech_sme import TechSmeInput, evaluate_tech_sme
from projects.models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField
from projects.validators import validate_credit_code
from tests.factories import pdf_bytes

PASSWORD = "test-demo-pass"
SHANGHAI, BEIJING = "310000", "110000"


@pytest.fixture
def seeded(db):
    return seed_demo(scale=1, password=PASSWORD)


def region_codes_up(region: Region) -> set[str]:
    codes = set()
    while region is not None:
        codes.add(region.code)
        region = region.parent
    return codes


def qualifies_as_tech_sme(enterprise: Enterprise, year: int) -> bool:
    row = enterprise.financials.get(year=year)
    return evaluate_tech_sme(
        TechSmeInput(
            employees=enterprise.employees,
            revenue=row.revenue,
            total_assets=row.total_assets,
            total_costs=row.total_costs,
            rnd_expense=row.rnd_expense,
            st_staff=row.st_staff,
            class_i_ip=row.class_i_ip,
            class_ii_ip=row.class_ii_ip,
        )
    ).qualified


def eligible_credit_loans(enterprise: Enterprise, *, amount: int, term: int, institutions) -> list[Product]:
    """DESIGN.md §8 journey: the hard filters a matcher applies, written out against the models."""
    amount = Decimal(amount)
    candidates = (
        Product.objects.filter(
            institution__in=institutions,
            institution__is_active=True,
            is_active=True,
            instrument=Instrument.CREDIT_LOAN,
            min_amount__lte=amount,
            max_amount__gte=amount,
            min_term_months__lte=term,
            max_term_months__gte=term,
            min_credit_score=0,
            active_from__lte=date(2026, 1, 1),
            **{STAGE_FLAGS[enterprise.stage]: True},
        )
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=date(2027, 12, 31)))
        .annotate(left=F("yearly_capacity") - F("capacity_used"))
        .filter(left__gte=Decimal("60000000"))
        .select_related("institution")
        .prefetch_related("fields", "regions", "institution__regions")
    )
    enterprise_regions = region_codes_up(enterprise.region)
    enterprise_fields = set(enterprise.fields.values_list("code", flat=True))
    registered = bool(enterprise.tech_sme_registration_no and enterprise.tech_sme_registration_year)
    eligible = []
    for product in candidates:
        served = {region.code for region in product.institution.regions.all()}
        product_regions = {region.code for region in product.regions.all()}
        product_fields = {field.code for field in product.fields.all()}
        if served and not served & enterprise_regions:
            continue
        if product_regions and not product_regions & enterprise_regions:
            continue
        if product_fields and not product_fields & enterprise_fields:
            continue
        if product.requires_tech_sme and not registered:
            continue
        eligible.append(product)
    return eligible


@pytest.mark.django_db
def test_given_an_empty_db_when_seeded_twice_then_counts_are_equal_and_nothing_is_duplicated():
    reference = (Region.objects.count(), TechField.objects.count(), RelendingPolicy.objects.count())
    out = StringIO()
    call_command("seed_demo", force=True, history_months=0, stdout=out)
    first = seed_demo(scale=1, password=PASSWORD)
    second = seed_demo(scale=1, password=PASSWORD)

    assert first == second
    assert "Enterprise" in out.getvalue() and "Seeded demo data at scale 1" in out.getvalue()
    assert first["Enterprise"] == 200
    assert first["Institution"] == 40
    assert first["MajorTask"] == 10
    # The reference rows come with migrate; the demo adds none.
    assert (first["Region"], first["TechField"], first["RelendingPolicy"]) == reference
    assert first["User"] == len(DEMO_USERNAMES)
    assert 80 <= first["Product"] <= 160
    assert first["EnterpriseFinancials"] >= 2 * first["Enterprise"]
    assert not Enterprise.objects.values("name").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Product.objects.values("institution", "name").annotate(n=Count("id")).filter(n__gt=1).exists()


@pytest.mark.django_db
def test_given_scale_one_seeded_when_seeded_at_scale_two_then_the_volume_doubles_and_block_one_is_kept():
    seed_demo(scale=1, password=PASSWORD)
    scale_one_codes = set(Enterprise.objects.values_list("credit_code", flat=True))

    counts = seed_demo(scale=2, password=PASSWORD)

    assert (counts["Enterprise"], counts["Institution"], counts["MajorTask"]) == (400, 80, 20)
    assert counts["Region"] == seed_demo(scale=1, password=PASSWORD)["Region"]
    assert scale_one_codes <= set(Enterprise.objects.values_list("credit_code", flat=True))


@pytest.mark.django_db
def test_every_generated_credit_code_validates(seeded):
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    codes += list(Institution.objects.values_list("credit_code", flat=True))

    for code in codes:
        validate_credit_code(code)
    assert len(set(codes)) == len(codes) == 240


@pytest.mark.django_db
def test_the_data_respects_the_business_rules(seeded):
    for institution in Institution.objects.prefetch_related("products"):
        products = list(institution.products.all())
        assert 2 <= len(products) <= 4
        assert all(product.instrument in INSTRUMENTS_BY_KIND[institution.kind] for product in products)
    assert set(Institution.objects.values_list("kind", flat=True)) == set(InstitutionKind.values)
    assert not Product.objects.filter(capacity_used__gt=F("yearly_capacity")).exists()
    assert not MajorTask.objects.filter(financing_gap__gt=F("budget") - F("fiscal_funding")).exists()
    assert set(MajorTask.objects.values_list("level", flat=True)) == set(TaskLevel.values)
    assert set(EnterpriseFinancials.objects.values_list("year", flat=True)) == {2023, 2024, 2025}
    enterprises = list(Enterprise.objects.all())
    failing = [e for e in enterprises if not qualifies_as_tech_sme(e, 2025)]
    assert 0 < len(failing) < len(enterprises) // 4
    assert sum(bool(e.high_tech_certificate_no) for e in enterprises) > 10
    assert sum(bool(e.tech_sme_registration_no) for e in enterprises) > 50
    assert {e.stage for e in enterprises} == {"startup", "growth", "stable"}
    assert {e.industry for e in enterprises} == {"industry", "software_it", "other"}


@pytest.mark.django_db
def test_each_demo_user_has_its_membership_or_scope(seeded):
    users = {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    assert set(users) == set(DEMO_USERNAMES)
    assert all(user.check_password(PASSWORD) for user in users.values())

    applicant_enterprises = list(users["demo-applicant"].enterprises.select_related("region__parent"))
    assert len(applicant_enterprises) == 2
    assert all(SHANGHAI in region_codes_up(e.region) for e in applicant_enterprises)
    (beijing_enterprise,) = users["demo-applicant-2"].enterprises.select_related("region__parent")
    assert BEIJING in region_codes_up(beijing_enterprise.region)
    # Each demo applicant manages its enterprises (DESIGN §1: managers keep the figures and decide who joins).
    assert set(users["demo-applicant"].managed_enterprises.all()) == set(applicant_enterprises)
    assert list(users["demo-applicant-2"].managed_enterprises.all()) == [beijing_enterprise]

    bank, bank_2 = (users[name].institutions.get() for name in ("demo-bank", "demo-bank-2"))
    assert bank.kind == bank_2.kind == InstitutionKind.BANK and bank != bank_2
    assert users["demo-insurer"].institutions.get().kind == InstitutionKind.INSURER
    assert users["demo-vc"].institutions.get().kind == InstitutionKind.VC
    assert users["demo-guarantor"].institutions.get().kind == InstitutionKind.GUARANTOR

    regional = CoordinatorScope.objects.get(user=users["demo-coordinator"])
    assert not regional.national
    assert list(regional.regions.values_list("code", flat=True)) == [SHANGHAI]
    for name in ("demo-national", "demo-national-2"):
        assert CoordinatorScope.objects.get(user=users[name]).national
    for name in ("demo-coordinator", "demo-national", "demo-national-2"):
        user = get_user_model().objects.get(pk=users[name].pk)  # fresh: no cached permissions
        assert user.is_staff and not user.is_superuser
        assert user.groups.filter(name=COORDINATOR_GROUP).exists()
        assert user.has_perm("lenders.view_product")
        assert user.has_perm("coordination.view_financingrequest")
        # Least power: they read and act through the workflow, and grant nothing.
        assert not user.has_perm("projects.change_enterprise")
        assert not user.has_perm("coordination.change_coordinatorscope")
        assert not user.has_perm("lenders.change_institution")
    assert users["admin"].is_superuser and users["admin"].is_staff
    non_staff = set(DEMO_USERNAMES) - {"demo-coordinator", "demo-national", "demo-national-2", "admin"}
    assert not any(users[name].is_staff for name in non_staff)


@pytest.mark.django_db
def test_a_rerun_resets_the_demo_passwords(seeded):
    user = get_user_model().objects.get(username="demo-bank")
    user.set_password("something-else")
    user.save()

    seed_demo(scale=1, password=PASSWORD)

    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_demo_journey_is_eligible_from_both_applicant_enterprises(seeded):
    users = get_user_model().objects.filter(username__in=["demo-applicant", "demo-bank", "demo-bank-2"])
    users = {user.username: user for user in users}
    bank = users["demo-bank"].institutions.all()
    both_banks = Institution.objects.filter(members__username__in=["demo-bank", "demo-bank-2"])
    enterprises = list(users["demo-applicant"].enterprises.select_related("region__parent"))

    for enterprise in enterprises:
        assert enterprise.tech_sme_registration_no and enterprise.tech_sme_registration_year == 2026
        assert qualifies_as_tech_sme(enterprise, 2025)
        assert eligible_credit_loans(enterprise, amount=3_000_000, term=24, institutions=bank)
        assert eligible_credit_loans(enterprise, amount=60_000_000, term=24, institutions=both_banks)
    assert MajorTask.objects.filter(level=TaskLevel.NATIONAL, lead_enterprise__in=enterprises).exists()


@pytest.mark.django_db
def test_given_debug_off_when_run_without_force_then_it_refuses(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_given_a_scale_below_one_then_the_command_refuses(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_demo", scale=0, stdout=StringIO())


def superusers_with_the_demo_password(password: str) -> list[str]:
    return [
        user.username
        for user in get_user_model().objects.filter(is_superuser=True)
        if user.check_password(password)
    ]


@pytest.mark.django_db
def test_given_debug_off_when_forced_then_no_superuser_has_the_demo_password_and_its_own_is_printed_once(
    settings,
):
    """Given DEBUG off and a superuser left with the demo password by an earlier DEBUG run, when seed_demo
    runs with --force, then no superuser checks against DEMO_PASSWORD, `admin` takes the random password
    the command printed, and the other demo logins keep the shared one."""
    settings.DEBUG, settings.DEMO_PASSWORD = True, PASSWORD
    call_command("seed_demo", history_months=0, stdout=StringIO())
    assert superusers_with_the_demo_password(PASSWORD) == ["admin"]
    settings.DEBUG = False
    out = StringIO()

    call_command("seed_demo", force=True, history_months=0, stdout=out)

    assert superusers_with_the_demo_password(PASSWORD) == []
    printed = re.search(r"Superuser `admin` password \(shown only now\): (\S+)", out.getvalue())
    assert printed and printed.group(1) != PASSWORD
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(printed.group(1))
    assert get_user_model().objects.get(username="demo-bank").check_password(PASSWORD)


@pytest.mark.django_db
def test_given_debug_on_then_the_demo_admin_login_keeps_the_demo_password(settings):
    """DESIGN.md §8: `make run` (DEBUG on) keeps the `admin` / DEMO_PASSWORD login, and prints no other."""
    settings.DEBUG, settings.DEMO_PASSWORD = True, PASSWORD
    out = StringIO()

    call_command("seed_demo", history_months=0, stdout=out)

    assert get_user_model().objects.get(username="admin", is_superuser=True).check_password(PASSWORD)
    assert "Superuser" not in out.getvalue()


@pytest.mark.django_db
def test_given_a_reference_region_is_missing_then_seeding_names_it_and_writes_nothing():
    """The demo builds on the rows `migrate` ships and never makes its own copy of them."""
    Region.objects.filter(code="440305").delete()

    with pytest.raises(ValueError, match=r"migrate.*440305"):
        seed_demo(scale=1, password=PASSWORD)
    assert not Region.objects.filter(code="440305").exists() and not Enterprise.objects.exists()


@pytest.mark.django_db
def test_the_demo_applicants_keep_their_enterprises_figures_in_the_pages(seeded, client):
    """Given the demo data, when each demo applicant opens the yearly-figures form (managers only) of its
    enterprises, then the page opens: they manage them; another enterprise's is a 404."""
    for username in ("demo-applicant", "demo-applicant-2"):
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        for enterprise in user.enterprises.all():
            assert client.get(f"/sme/enterprises/{enterprise.pk}/financials/add/").status_code == 200
        other = Enterprise.objects.exclude(members=user).first()
        assert client.get(f"/sme/enterprises/{other.pk}/financials/add/").status_code == 404


@pytest.mark.django_db
def test_the_demo_applicant_asks_for_financing_in_the_pages_and_accepts_the_demo_banks_offer(seeded):
    """Given the demo data (DESIGN.md §8), when demo-applicant signs in and submits a 300万元 credit-loan
    request with its documents at /sme/requests/new/, the demo coordinator routes it as the matcher proposes
    and demo-bank offers, then the request passes screening, reaches demo-bank, and the applicant accepts
    the offer on its request's page."""
    users = {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    enterprise = users["demo-applicant"].managed_enterprises.order_by("pk").first()
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "demo-applicant", "password": PASSWORD}).status_code
        == 302
    )
    response = client.post(
        "/sme/requests/new/",
        {
            "enterprise": str(enterprise.pk),
            "amount": "3000000",
            "term_months": "24",
            "purpose": "第二代产品中试线",
            "tranches-TOTAL_FORMS": "1",
            "tranches-INITIAL_FORMS": "0",
            "tranches-MIN_NUM_FORMS": "1",
            "tranches-MAX_NUM_FORMS": "10",
            "tranches-0-instrument": "credit_loan",
            "tranches-0-amount": "3000000",
            **{
                f"document_{kind}": SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(), "application/pdf")
                for kind in ("business_plan", "financial_statements")
            },
            "intent": "submit",
        },
    )
    request = FinancingRequest.objects.get(enterprise=enterprise)
    assert response["Location"] == f"/sme/requests/{request.reference}/"
    assert request.status == "triage", request.screening

    routed = routing.route_request(request_id=request.pk, user=users["demo-coordinator"])
    bank = users["demo-bank"].institutions.get()
    referral = routed.referrals.get(institution=bank)
    referral_services.open_referral(referral_id=referral.pk, user=users["demo-bank"])
    offer = referral_services.make_offer(
        referral_id=referral.pk,
        user=users["demo-bank"],
        amount=Decimal("3000000"),
        annual_rate=Decimal("0.032"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    page = client.get(f"/sme/requests/{request.reference}/").content.decode()
    key = re.search(rf'name="offer-{offer.pk}-form_key" value="(\w+)"', page).group(1)
    client.post(
        f"/sme/requests/{request.reference}/offers/{offer.pk}/accept/", {f"offer-{offer.pk}-form_key": key}
    )

    request.refresh_from_db()
    assert request.status == "offer_accepted"
