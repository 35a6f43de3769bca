"""Every list endpoint reads a fixed number of queries: the same for 1 row as for 50 (no N+1).

For each list and each kind of viewer: make one row the viewer may see, count the queries of a GET
with page_size=50, make 49 more, count again. Rows differ in every relation the payload shows
(distinct enterprises, institutions, fields, regions), so a per-row query cannot hide behind one
shared object.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination.models import (
    Deadline,
    FinancingRequest,
    LossClaim,
    Notification,
    Offer,
    Referral,
    Tranche,
    TransitionEvent,
    WebhookSubscription,
)
from tests import factories as f
from tests.factories_policy import ProgrammeFactory

from .helpers import credit_score, users_of

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _enterprise(world):
    """An enterprise of applicant A's with two fields, financials and two years of innovation credits."""
    enterprise = f.EnterpriseFactory(region=world.pudong, members=[world.applicant_a])
    enterprise.fields.add(f.TechFieldFactory(), f.TechFieldFactory())
    f.FinancialsFactory(enterprise=enterprise, year=2024)
    credit_score(enterprise, year=2024)
    credit_score(enterprise, year=2025)
    return enterprise


def seed_enterprises(world, n):
    for _ in range(n):
        _enterprise(world)


def seed_routed(world, n, *, mixed=False):
    """`n` requests of applicant A's (each of its own enterprise), each referred to bank X with an offer
    and opened by it; `mixed`: only every other one (the first included) opened, the rest teasers to it."""
    for i in range(n):
        enterprise = _enterprise(world)
        request = FinancingRequest.objects.create(
            enterprise=enterprise,
            purpose="p",
            amount=Decimal("3000000"),
            term_months=24,
            created_by=world.applicant_a,
            reference=f"FR-QC-{next(_serial):06d}",
        )
        tranches = [
            Tranche.objects.create(request=request, position=1, instrument="credit_loan", amount=2000000),
            Tranche.objects.create(request=request, position=2, instrument="equity", amount=1000000),
        ]
        for tranche in tranches:
            product = world.loan_x if tranche.instrument == "credit_loan" else world.equity
            referral = Referral.objects.create(
                tranche=tranche,
                request=request,
                product=product,
                institution=product.institution,
                score=Decimal("70"),
                explanation=[{"factor": "fit", "text": "fits"}],
                internal_note="note",
                opened_at=None if mixed and i % 2 else timezone.now(),
            )
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


def seed_mixed(world, n):
    seed_routed(world, n, mixed=True)


def seed_notifications(world, n):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    for _ in range(n):
        Notification.objects.create(
            user=world.applicant_a,
            topic="financing_request.route",
            title="t",
            request=request,
            delivery_key=f"qc-{next(_serial)}",
        )


def seed_webhooks(world, n):
    for _ in range(n):
        WebhookSubscription.objects.create(
            enterprise=_enterprise(world),
            url=f"https://hooks.example.cn/{next(_serial)}",
            secret="s",
            created_by=world.applicant_a,
        )


_region_serial = itertools.count()


def seed_regions(world, n):
    for _ in range(n):
        prefix = 40 + next(_region_serial) % 55
        parent = f.RegionFactory(code=f"{prefix:02d}0000")
        f.RegionFactory(code=f"{prefix:02d}0100", parent=parent)


def seed_fields(world, n):
    for _ in range(n):
        f.TechFieldFactory(parent=f.TechFieldFactory())


def _institution(world):
    institution = f.InstitutionFactory(kind="bank")
    institution.regions.add(world.shanghai, world.beijing)
    return institution


def seed_institutions(world, n):
    for _ in range(n):
        _institution(world)


def seed_products(world, n):
    for _ in range(n):
        product = f.ProductFactory(institution=_institution(world))
        product.fields.add(f.TechFieldFactory())
        product.regions.add(world.pudong)


def seed_major_tasks(world, n):
    for _ in range(n):
        task = f.MajorTaskFactory(lead_enterprise=world.enterprise_a)
        task.participants.add(_enterprise(world), world.enterprise_b)


def seed_credits(world, n):
    for _ in range(n):
        _enterprise(world)


def seed_programmes(world, n):
    for _ in range(n):
        ProgrammeFactory(region=world.pudong, fields=[f.TechFieldFactory()])


def seed_claims(world, n):
    """`n` bank X loss claims, each on its own enterprise's loan and its own pool (rows the workflow would
    leave: the API only reads them here)."""
    for _ in range(n):
        request = FinancingRequest.objects.create(
            enterprise=_enterprise(world),
            purpose="p",
            amount=Decimal("3000000"),
            term_months=24,
            created_by=world.applicant_a,
            reference=f"FR-QC-{next(_serial):06d}",
        )
        tranche = Tranche.objects.create(
            request=request, position=1, instrument="credit_loan", amount=3000000
        )
        LossClaim.objects.create(
            request=request,
            tranche=tranche,
            institution=world.bank_x,
            programme=ProgrammeFactory(kind="risk_compensation"),
            loss=Decimal("1000000"),
            defaulted_on=timezone.localdate(),
            amount=Decimal("600000"),
            reported_by=world.bank_x_user,
        )


LISTS = {
    "loss-claims": (seed_claims, ("bank_x", "coordinator", "national")),
    "policy-programmes": (seed_programmes, ("coordinator", "national")),
    "innovation-credits": (seed_credits, ("applicant_a", "national")),
    "enterprises": (seed_enterprises, ("applicant_a", "coordinator", "national")),
    "financing-requests": (seed_routed, ("applicant_a", "bank_x", "coordinator", "national")),
    "referrals": (seed_mixed, ("applicant_a", "bank_x", "coordinator", "national")),
    "offers": (seed_routed, ("applicant_a", "bank_x", "national")),
    "notifications": (seed_notifications, ("applicant_a",)),
    "webhooks": (seed_webhooks, ("applicant_a",)),
    "regions": (seed_regions, ("applicant_a",)),
    "fields": (seed_fields, ("applicant_a",)),
    "institutions": (seed_institutions, ("applicant_a",)),
    "products": (seed_products, ("bank_x",)),
    "major-tasks": (seed_major_tasks, ("applicant_a", "national")),
}
CASES = [
    pytest.param(path, role, id=f"{path}-{role}") for path, (_, roles) in LISTS.items() for role in roles
]


def _get(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{path}/?page_size=50")
    assert response.status_code == 200, response.content[:300]
    return [q["sql"] for q in queries.captured_queries], response.json()["results"]


@pytest.mark.parametrize(("path", "role"), CASES)
def test_list_reads_the_same_queries_for_1_and_50_rows(world, api, path, role):
    seed, _ = LISTS[path]
    client = api(users_of(world)[role])
    _, before = _get(client, path)
    seed(world, 1)
    one_queries, one_rows = _get(client, path)
    assert len(one_rows) > len(before), "the seed made no row this viewer sees"
    seed(world, 49)
    many_queries, many_rows = _get(client, path)
    per_seed = len(one_rows) - len(before)
    assert len(many_rows) == min(50, len(before) + 50 * per_seed)
    assert len(one_queries) == len(many_queries), "\n\n".join(
        ["1 row:", *one_queries, "50 rows:", *many_queries]
    )


# --- the lists under one financing request ------------------------------------------------------


def _request_with_referrals(world, n, request=None):
    """Referrals to `n` distinct banks (each with a product, an offer, its events) on one request."""
    request = request or f.draft_request(
        user=world.applicant_a, enterprise=world.enterprise_a, documents=False
    )
    tranche = request.tranches.get()
    for _ in range(n):
        reviewer = f.UserFactory()
        product = f.ProductFactory(institution=f.InstitutionFactory(members=[reviewer]))
        referral = Referral.objects.create(
            tranche=tranche, request=request, product=product, institution=product.institution
        )
        TransitionEvent.objects.create(
            request=request,
            object_type="referral",
            object_id=referral.pk,
            action="open",
            from_status="sent",
            to_status="reviewing",
            actor=reviewer,
            actor_role="institution",
        )
        Deadline.objects.create(
            request=request,
            object_type="referral",
            object_id=referral.pk,
            stage="institution_review",
            kind="expire",
            due_at=timezone.now() + timedelta(days=10),
        )
        f.attach_required_documents(request, world.applicant_a)
    return request


SUB_LISTS = ["referrals", "documents", "timeline"]


@pytest.mark.parametrize("role", ["applicant_a", "coordinator", "national"])
@pytest.mark.parametrize("sub", SUB_LISTS)
def test_request_sub_lists_read_the_same_queries_for_1_and_50_rows(world, api, sub, role):
    client = api(users_of(world)[role])

    def get():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/financing-requests/{request.pk}/{sub}/")
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        return [q["sql"] for q in queries.captured_queries], body["events"] if sub == "timeline" else body

    request = _request_with_referrals(world, 1)
    get()  # the token's first use records last_used_at; count from the second call on
    one_queries, one_rows = get()
    _request_with_referrals(world, 49, request)
    many_queries, many_rows = get()
    assert len(many_rows) > len(one_rows)
    assert len(one_queries) == len(many_queries), "\n\n".join(
        ["1 row:", *one_queries, "50 rows:", *many_queries]
    )
