"""Every page of the institution workbench reads a fixed number of queries: the same with N rows as with 3N
(no N+1). Rows differ in every relation a page shows (their own enterprises, fields, regions, credits,
products, members), so a per-row query cannot hide behind one shared object.

The queue and the referral's page: referrals, their requests' other referrals, offers, documents and
financials; the catalogue and a product's page: products with fields and regions; the team: members and
managers; the performance page: referrals decided, offered and waiting, in one field and in several.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.choices import DeadlineKind
from coordination.models import Deadline, FinancingRequest, Offer, Referral, Tranche
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f
from tests.api.helpers import credit_score

pytestmark = pytest.mark.django_db

N = 2
_serial = itertools.count(1)


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def count(client: Client, url: str) -> tuple[int, list[str]]:
    client.get(url)  # warm the per-process caches (content types, the calendar) alike for both counts
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), [q["sql"] for q in queries.captured_queries]


def assert_flat(client: Client, url: str, seed, n: int = N) -> None:
    """Seed n rows and count, seed 2n more and count again: the same number of queries."""
    seed(n)
    small, small_sql = count(client, url)
    seed(2 * n)
    large, large_sql = count(client, url)
    assert small == large, "\n".join([f"{n} rows: {small}", *small_sql, f"{3 * n} rows: {large}", *large_sql])


def _enterprise(world):
    enterprise = f.EnterpriseFactory(region=world.pudong, members=[world.applicant_a])
    enterprise.fields.add(f.TechFieldFactory())
    f.FinancialsFactory(enterprise=enterprise, year=2024)
    credit_score(enterprise)
    return enterprise


def seed_referrals(world, n: int, *, decided: bool = False) -> None:
    """`n` requests, each of its own enterprise, referred to bank X (every other one opened, with an offer)
    and to bank Y; each referral with its review deadline. `decided`: bank X answered each one three days
    after it came in (every other one an offer, the rest a decline)."""
    for i in range(n):
        enterprise = _enterprise(world)
        request = FinancingRequest.objects.create(
            enterprise=enterprise,
            purpose="p",
            amount=Decimal("3000000"),
            term_months=24,
            created_by=world.applicant_a,
            reference=f"FR-IQ-{next(_serial):06d}",
            status="routed",
        )
        tranche = Tranche.objects.create(
            request=request, position=1, instrument="credit_loan", amount=3000000
        )
        for product in (world.loan_x, world.loan_y):
            opened = product == world.loan_x and i % 2 == 0
            referral = Referral.objects.create(
                tranche=tranche,
                request=request,
                product=product,
                institution=product.institution,
                score=Decimal("70"),
                opened_at=timezone.now() if opened else None,
                created_at=timezone.now() - timedelta(days=3),
            )
            Deadline.objects.create(
                request=request,
                object_type="referral",
                object_id=referral.pk,
                stage="institution_review",
                kind=DeadlineKind.EXPIRE,
                due_at=timezone.now() + timedelta(days=5 + i),
            )
            if opened:
                Offer.objects.create(
                    referral=referral,
                    tranche=tranche,
                    request=request,
                    amount=tranche.amount,
                    annual_rate=Decimal("0.031"),
                    term_months=24,
                    valid_until=timezone.localdate() + timedelta(days=30),
                    created_by=world.bank_x_user,
                )
            if decided and product == world.loan_x:
                referral.status = "offered" if opened else "declined"
                referral.decline_reason = "" if opened else "outside_appetite"
                referral.save()


def test_the_queue(world):
    """Given N, then 3N referrals to bank X (teasers and opened ones), when bank X reads its queue, then
    the same number of queries."""
    assert_flat(
        client_for(world.bank_x_user), reverse("institution:queue"), lambda n: seed_referrals(world, n)
    )


def test_the_queue_filtered_and_searched(world):
    assert_flat(
        client_for(world.bank_x_user),
        reverse("institution:queue") + "?status=sent&instrument=credit_loan&q=FR-IQ",
        lambda n: seed_referrals(world, n),
    )


def test_the_referral_page_with_the_requests_other_parts(world):
    """Given an opened referral to bank X on a request with N tranches routed to N products, its offers,
    the enterprise's financials and documents, then 3N of each: the same number of queries."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = Referral.objects.get(request=request)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    years = itertools.count(2000)
    positions = itertools.count(2)

    def seed(n):
        for _ in range(n):
            f.FinancialsFactory(enterprise=world.enterprise_a, year=next(years))
            f.attach_required_documents(request, world.applicant_a)
            tranche = Tranche.objects.create(
                request=request, position=next(positions), instrument="credit_loan", amount=1000000
            )
            product = f.ProductFactory(institution=world.bank_y)
            other = Referral.objects.create(
                tranche=tranche, request=request, product=product, institution=world.bank_y, score=50
            )
            Offer.objects.create(
                referral=other,
                tranche=tranche,
                request=request,
                amount=tranche.amount,
                annual_rate=Decimal("0.03"),
                term_months=24,
                valid_until=timezone.localdate() + timedelta(days=30),
                created_by=world.bank_y_user,
            )
            world.enterprise_a.fields.add(f.TechFieldFactory())

    assert_flat(client_for(world.bank_x_user), reverse("institution:referral", args=[referral.pk]), seed)


def test_a_teaser_referral_page(world):
    """Given a referral not opened yet, while the queue grows from N to 3N: the same number of queries."""
    seed_referrals(world, 1)
    referral = Referral.objects.filter(institution=world.bank_y).first()
    assert_flat(
        client_for(world.bank_y_user),
        reverse("institution:referral", args=[referral.pk]),
        lambda n: seed_referrals(world, n),
    )


def _products(world, n: int) -> None:
    for _ in range(n):
        product = f.ProductFactory(institution=world.bank_x)
        product.fields.add(f.TechFieldFactory())
        product.regions.add(f.RegionFactory(parent=world.shanghai))


def test_the_catalogue(world):
    world.bank_x.managers.add(world.bank_x_user)
    assert_flat(client_for(world.bank_x_user), reverse("institution:products"), lambda n: _products(world, n))


def test_a_products_page_and_the_new_product_form(world):
    """The product's form lists the fields and regions to choose from: N, then 3N of them."""
    world.bank_x.managers.add(world.bank_x_user)
    client = client_for(world.bank_x_user)

    def seed(n):
        for _ in range(n):
            f.TechFieldFactory()
            f.RegionFactory(parent=world.shanghai)
            world.loan_x.fields.add(f.TechFieldFactory())

    assert_flat(client, reverse("institution:product", args=[world.loan_x.pk]), seed)
    assert_flat(client, reverse("institution:product-new"), seed)


def test_the_team(world):
    world.bank_x.managers.add(world.bank_x_user)

    def seed(n):
        for i in range(n):
            member = f.UserFactory()
            world.bank_x.members.add(member)
            if i % 2:
                world.bank_x.managers.add(member)

    assert_flat(client_for(world.bank_x_user), reverse("institution:team"), seed)


def test_the_performance_page_in_one_field(world):
    """Given N, then 3N referrals decided by bank X (and waiting on bank Y, its peer) in one field: the same
    number of queries."""
    field = f.TechFieldFactory()

    def seed(n):
        before = set(FinancingRequest.objects.values_list("enterprise_id", flat=True))
        seed_referrals(world, n, decided=True)
        for request in FinancingRequest.objects.exclude(enterprise_id__in=before).select_related(
            "enterprise"
        ):
            request.enterprise.fields.set([field])

    assert_flat(client_for(world.bank_x_user), reverse("institution:performance"), seed)


def test_the_performance_page_across_fields(world):
    """Given N, then 3N referrals decided by bank X, each in a field of its own: the same
    number of queries (the history is read for every field at once)."""
    assert_flat(
        client_for(world.bank_x_user),
        reverse("institution:performance"),
        lambda n: seed_referrals(world, n, decided=True),
    )
