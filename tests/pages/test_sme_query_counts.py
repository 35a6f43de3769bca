"""The applicant's pages read a fixed number of queries whatever the number of requests, tranches,
referrals, offers, documents, enterprises and major tasks (no N+1); the enterprise's page, the disclosure
log and the inbox the same with N rows as with 3N."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination.models import Disclosure, EnterpriseJoinRequest, FinancingRequest, Referral
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f
from tests.api.helpers import credit_score
from tests.inbox.helpers import notify

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(ref: str) -> str:
    return f"/sme/requests/{ref}/"


def _count(client, path) -> tuple[int, list[str]]:
    client.get(path)  # warm caches (content types, sessions) alike for both counts
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries.captured_queries]


def _package(world, *, documents=True):
    """A request of A's with three tranches routed to four institutions, each with an open offer."""
    request = f.draft_request(
        user=world.applicant_a,
        enterprise=world.enterprise_a,
        tranches=(("credit_loan", "3000000"), ("equity", "2000000"), ("rd_insurance", "1000000")),
    )
    if documents:
        f.attach_required_documents(request, world.applicant_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    products = [world.loan_x, world.loan_y, world.equity, world.rd_insurance]
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[p.pk for p in products])
    users = {
        world.bank_x.pk: world.bank_x_user,
        world.bank_y.pk: world.bank_y_user,
        world.vc.pk: world.vc_user,
        world.insurer.pk: world.insurer_user,
    }
    for referral in Referral.objects.filter(request=request).select_related("tranche"):
        user = users[referral.institution_id]
        rs.open_referral(referral_id=referral.pk, user=user)
        rs.make_offer(
            referral_id=referral.pk,
            user=user,
            amount=referral.tranche.amount,
            annual_rate=None if referral.tranche.instrument == "equity" else Decimal("0.02"),
            term_months=24,
            terms={"stake": "0.08", "valuation": "50000000"}
            if referral.tranche.instrument == "equity"
            else {},
            valid_until=timezone.localdate() + timedelta(days=20),
        )
    return request


def _single(world):
    """A request of A's with one tranche routed to bank X, with an open offer."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = Referral.objects.get(request=request)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=referral.tranche.amount,
        annual_rate=Decimal("0.03"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    return request


def test_the_request_page_reads_the_same_queries_for_one_part_as_for_many(world):
    """Given a one-tranche request (one referral, one offer, two documents) and a three-tranche one (four
    referrals and offers, four documents), when A opens each, then both read the same number of queries."""
    client = client_for(world.applicant_a)
    small, small_sql = _count(client, detail_url(_single(world).reference))
    large_request = _package(world)
    large, large_sql = _count(client, detail_url(large_request.reference))
    assert large_request.documents.count() == 4 and large_request.offers.count() == 4
    assert small == large, "\n".join(["one:", *small_sql, "many:", *large_sql])


def test_home_reads_the_same_queries_for_one_request_as_for_many(world):
    """Given A with one routed request, then with six more in every stage across three enterprises, when A
    opens /sme/, then both read the same number of queries."""
    client = client_for(world.applicant_a)
    _single(world)
    one, one_sql = _count(client, "/sme/")
    for _ in range(2):
        enterprise = f.EnterpriseFactory(region=world.pudong, members=[world.applicant_a])
        f.draft_request(user=world.applicant_a, enterprise=enterprise)
        triage = f.draft_request(user=world.applicant_a, enterprise=enterprise)
        rq.submit_request(request_id=triage.pk, user=world.applicant_a)
    _package(world)
    many, many_sql = _count(client, "/sme/")
    assert FinancingRequest.objects.filter(enterprise__members=world.applicant_a).count() == 6
    assert one == many, "\n".join(["one:", *one_sql, "many:", *many_sql])


def test_the_form_reads_the_same_queries_for_one_enterprise_as_for_many(world):
    """Given A with one enterprise, then five and three major tasks, when A opens the form, then both read
    the same number of queries."""
    client = client_for(world.applicant_a)
    one, _ = _count(client, "/sme/requests/new/")
    for _ in range(4):
        enterprise = f.EnterpriseFactory(region=world.pudong, members=[world.applicant_a])
        f.MajorTaskFactory(lead_enterprise=enterprise)
    many, _ = _count(client, "/sme/requests/new/")
    assert one == many


def assert_flat(client, path, seed, n: int = 2) -> None:
    """Seed n rows and count, seed 2n more and count again: the same number of queries."""
    seed(n)
    small, small_sql = _count(client, path)
    seed(2 * n)
    large, large_sql = _count(client, path)
    assert small == large, "\n".join([f"{n} rows: {small}", *small_sql, f"{3 * n} rows: {large}", *large_sql])


def test_the_enterprise_page_for_its_manager(world):
    """Given enterprise A managed by A, with N, then 3N years of financials, credits, fields, members (half
    of them managers) and pending requests to join, when A opens its page: the same number of queries."""
    world.enterprise_a.managers.add(world.applicant_a)
    credit_score(world.enterprise_a, year=2025)
    years = iter(range(2000, 2030))

    def seed(n):
        for i in range(n):
            f.FinancialsFactory(enterprise=world.enterprise_a, year=next(years))
            world.enterprise_a.fields.add(f.TechFieldFactory())
            member = f.UserFactory()
            world.enterprise_a.members.add(member)
            if i % 2:
                world.enterprise_a.managers.add(member)
            EnterpriseJoinRequest.objects.create(
                enterprise=world.enterprise_a, user=f.UserFactory(), message="m"
            )

    assert_flat(client_for(world.applicant_a), f"/sme/enterprises/{world.enterprise_a.pk}/", seed)


def test_the_enterprise_page_for_a_member(world):
    """Given a member who does not manage enterprise A (no requests to join shown), N then 3N rows."""
    member = f.UserFactory()
    world.enterprise_a.members.add(member)
    years = iter(range(2000, 2030))

    def seed(n):
        for _ in range(n):
            f.FinancialsFactory(enterprise=world.enterprise_a, year=next(years))
            world.enterprise_a.members.add(f.UserFactory())

    assert_flat(client_for(member), f"/sme/enterprises/{world.enterprise_a.pk}/", seed)


def test_the_disclosure_log(world):
    """Given N, then 3N disclosures of A's enterprises to as many institutions' reviewers, each about a
    document or a profile: the same number of queries."""
    request = _single(world)
    referral = Referral.objects.get(request=request)
    document = request.documents.first()

    def seed(n):
        for i in range(n):
            user = f.UserFactory()
            Disclosure.objects.create(
                user=user,
                institution=f.InstitutionFactory(members=[user]),
                enterprise=world.enterprise_a,
                request=request,
                referral=referral,
                action="download" if i % 2 else "open",
                categories=["documents"] if i % 2 else ["profile", "financials"],
                document=document if i % 2 else None,
                document_name="x.pdf" if i % 2 else "",
            )

    assert_flat(client_for(world.applicant_a), "/sme/disclosures/", seed)


def test_the_inbox(world):
    """Given N, then 3N notifications to A about as many requests, read and unread, each with its
    delivery's payload: the same number of queries."""

    def seed(n):
        for i in range(n):
            request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
            notify(
                world.applicant_a,
                request,
                "request.status_changed",
                read=bool(i % 2),
                object_type="financing_request",
                from_status="draft",
                to_status="triage",
            )

    assert_flat(client_for(world.applicant_a), "/inbox/", seed)


def test_the_inbox_of_an_institutions_reviewer(world):
    """Bank X's reviewer's notifications lead to its referrals' pages: N, then 3N of them."""

    def seed(n):
        for _ in range(n):
            request = _single(world)
            referral = Referral.objects.get(request=request)
            notify(
                world.bank_x_user,
                request,
                "referral.created",
                object_type="referral",
                object_id=referral.pk,
                referral_id=referral.pk,
            )

    assert_flat(client_for(world.bank_x_user), "/inbox/", seed)
