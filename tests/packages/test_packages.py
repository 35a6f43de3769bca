"""Major-task packages (DESIGN §14) and the task's financing figures, through the services and the API:
a coordinator drafts and proposes, the lead enterprise's manager submits the package as its request,
routing proposes the invited institutions, and the gap closes only as fundings are recorded."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.errors import NotFound, PermissionDenied, ValidationFailed
from coordination.evaluation.major_tasks import gap_closed, task_financing
from coordination.evaluation.scope import Period, Scope, ScopeKind
from coordination.models import FinancingPackage, PackageEvent
from coordination.services import approvals, referrals, routing
from coordination.services import packages as ps
from coordination.services.filing import DocumentInput
from tests import factories as f

pytestmark = pytest.mark.django_db


def _draft(world, *tranches, user=None):
    return ps.create_package(
        user=user or world.national,
        major_task_id=world.major_task.pk,
        purpose="Close the task's gap",
        tranches=list(tranches) or [ps.PackageTrancheInput("credit_loan", "3000000", 36, [world.bank_x.pk])],
    )


def _documents():
    return [
        DocumentInput(kind, kind, SimpleUploadedFile(f"{kind}.pdf", f.pdf_bytes(), "application/pdf"))
        for kind in ("business_plan", "financial_statements")
    ]


def _submitted(world, *tranches):
    world.enterprise_a.managers.add(world.applicant_a)
    package = _draft(world, *tranches)
    ps.propose_package(user=world.national, package_id=package.pk)
    return ps.confirm_package(user=world.applicant_a, package_id=package.pk, documents=_documents())


def _funded(world, request, bank_user, amount=None):
    """Route as proposed, the bank offers, the applicant accepts, two national coordinators approve (a
    national task), the bank records the funding."""
    routing.route_request(request_id=request.pk, user=world.national)
    referral = request.referrals.get(institution__members=bank_user)
    referrals.open_referral(referral_id=referral.pk, user=bank_user)
    offer = referrals.make_offer(
        referral_id=referral.pk,
        user=bank_user,
        amount=amount or referral.tranche.amount,
        annual_rate=Decimal("0.03"),
        term_months=36,
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    referrals.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    approvals.approve_request(request_id=request.pk, user=world.national)
    approvals.approve_request(request_id=request.pk, user=world.national_2)
    approvals.record_funding(request_id=request.pk, user=bank_user)
    return offer


def test_the_lead_enterprise_submits_the_package_as_its_own_request(world):
    # Given a package proposed to the task's lead enterprise
    package = _submitted(world)
    # Then it is the enterprise's request, filed by its manager, with the package's tranche, in triage
    request = package.request
    assert package.status == "submitted"
    assert request.enterprise == world.enterprise_a and request.created_by == world.applicant_a
    assert request.major_task == world.major_task and request.escalated
    assert request.status == "triage"
    assert [(t.instrument, t.amount) for t in request.tranches.all()] == [("credit_loan", Decimal("3000000"))]
    assert request.term_months == 36
    # And every step is audited with its actor and role
    events = list(
        PackageEvent.objects.filter(package=package).values_list("action", "actor__username", "actor_role")
    )
    assert events == [
        ("create", "national-1", "coordinator"),
        ("propose", "national-1", "coordinator"),
        ("confirm", "applicant-a", "applicant"),
    ]


def test_routing_proposes_only_the_invited_institutions(world):
    # Given a package inviting bank Y only, while bank X's product fits too
    package = _submitted(world, ps.PackageTrancheInput("credit_loan", "3000000", 36, [world.bank_y.pk]))
    # When the coordinator routes as proposed
    routing.route_request(request_id=package.request_id, user=world.national)
    # Then only bank Y has the referral
    assert list(package.request.referrals.values_list("institution__name", flat=True)) == ["Bank Y"]


def test_a_coordinator_never_confirms_and_an_applicant_never_drafts(world):
    world.enterprise_a.managers.add(world.applicant_a)
    package = _draft(world)
    ps.propose_package(user=world.national, package_id=package.pk)
    with pytest.raises(PermissionDenied):
        ps.confirm_package(user=world.national, package_id=package.pk)
    with pytest.raises(PermissionDenied):
        _draft(world, user=world.applicant_a)
    # A member who does not manage the lead enterprise does not see the package at all
    world.enterprise_a.managers.remove(world.applicant_a)
    with pytest.raises(NotFound):
        ps.confirm_package(user=world.applicant_a, package_id=package.pk)


def test_a_regional_coordinator_drafts_only_for_tasks_led_from_its_regions(world):
    beijing_task = f.MajorTaskFactory(lead_enterprise=world.enterprise_b)
    with pytest.raises(ValidationFailed) as error:
        ps.create_package(
            user=world.coordinator,
            major_task_id=beijing_task.pk,
            purpose="x",
            tranches=[ps.PackageTrancheInput("credit_loan", "1000000", 12, [world.bank_x.pk])],
        )
    assert "major_task" in error.value.fields


def test_declining_needs_a_reason_and_is_audited(world):
    world.enterprise_a.managers.add(world.applicant_a)
    package = _draft(world)
    ps.propose_package(user=world.national, package_id=package.pk)
    with pytest.raises(ValidationFailed) as error:
        ps.decline_package(user=world.applicant_a, package_id=package.pk, reason=" ")
    assert "reason" in error.value.fields
    declined = ps.decline_package(user=world.applicant_a, package_id=package.pk, reason="We found equity")
    assert declined.status == "declined" and declined.decline_reason == "We found equity"
    assert PackageEvent.objects.filter(package=package, action="decline", reason="We found equity").exists()


def test_the_gap_closes_only_with_recorded_funding(world):
    # Given a national task with a 300 M gap and a package of a 3 M loan (X) and 1 M of R&D insurance
    package = _submitted(
        world,
        ps.PackageTrancheInput("credit_loan", "3000000", 36, [world.bank_x.pk]),
        ps.PackageTrancheInput("rd_insurance", "1000000", 12, [world.insurer.pk]),
    )
    today = timezone.localdate()
    before = task_financing(world.major_task, today=today)
    assert before.totals.requested == Decimal("4000000") and before.totals.funded == 0
    assert before.remaining_gap == Decimal("300000000")
    # When bank X's 3 M offer is accepted and funded, while the insurer never answers
    request = package.request
    routing.route_request(request_id=request.pk, user=world.national)
    referral = request.referrals.get(institution=world.bank_x)
    referrals.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    offer = referrals.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=Decimal("3000000"),
        annual_rate=Decimal("0.03"),
        term_months=36,
        valid_until=today + timedelta(days=30),
    )
    referrals.accept_offer(offer_id=offer.pk, user=world.applicant_a)
    routing.accept_partial_package(request_id=request.pk, user=world.national, reason="insurance later")
    approvals.approve_request(request_id=request.pk, user=world.national)
    approvals.approve_request(request_id=request.pk, user=world.national_2)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    # Then the figures come from the request, the offer and the funding
    after = task_financing(world.major_task, today=today)
    loan = dict(after.by_instrument)["credit_loan"]
    insurance = dict(after.by_instrument)["rd_insurance"]
    assert (loan.requested, loan.offered, loan.accepted, loan.funded) == (Decimal("3000000"),) * 4
    assert (insurance.requested, insurance.offered, insurance.funded) == (Decimal("1000000"), 0, 0)
    by_institution = {i.name: a for i, a in after.by_institution}
    assert by_institution["Bank X"].funded == Decimal("3000000")
    assert by_institution["Bank X"].requested == Decimal("3000000")  # the tranche routed to it
    assert by_institution["Insurer"].requested == Decimal("1000000")
    assert by_institution["Insurer"].funded == 0
    assert after.remaining_gap == Decimal("297000000")
    assert after.timeline[-1].month == today.replace(day=1)
    assert after.timeline[-1].remaining == Decimal("297000000")
    assert after.timeline[0].month == world.major_task.starts_on.replace(day=1)
    # And the evaluation counts the gap closed in the period that holds the funding
    [row] = gap_closed(Scope(ScopeKind.NATIONAL), Period(today.replace(day=1), today))
    assert (row.funded_in_period, row.funded_to_end, row.remaining) == (
        Decimal("3000000"),
        Decimal("3000000"),
        Decimal("297000000"),
    )
    [earlier] = gap_closed(Scope(ScopeKind.NATIONAL), Period(date(2020, 1, 1), date(2020, 1, 31)))
    assert earlier.funded_to_end == 0


# --- the API ------------------------------------------------------------------------------------


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(world, **tranche):
    return {
        "major_task": world.major_task.pk,
        "purpose": "Close the gap",
        "tranches": [
            {
                "instrument": "credit_loan",
                "amount": "3000000",
                "term_months": 36,
                "institutions": [world.bank_x.pk],
                **tranche,
            }
        ],
    }


@pytest.mark.parametrize(
    ("tranche", "field"),
    [
        ({"instrument": "gold"}, "instrument"),
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"term_months": 0}, "term_months"),
        ({"institutions": []}, "institutions"),
        ({"institutions": [999999]}, "institutions"),
        ({"instrument": "equity"}, "institutions"),  # bank X offers no equity
    ],
)
def test_bad_tranches_are_400_naming_the_field(world, tranche, field):
    response = _client(world.national).post(
        "/api/v1/financing-packages/", _body(world, **tranche), format="json"
    )
    assert response.status_code == 400, response.content
    assert _error_fields(response.json()) == {f"tranches[0].{field}"}, response.json()
    assert not FinancingPackage.objects.exists()


def _error_fields(body) -> set[str]:
    return set(body["error"]["fields"])


def test_a_package_beyond_the_gap_is_400_on_tranches(world):
    body = _body(world, amount="300000001")
    response = _client(world.national).post("/api/v1/financing-packages/", body, format="json")
    assert response.status_code == 400
    assert "tranches" in _error_fields(response.json())


def test_an_unknown_task_is_400_on_major_task(world):
    body = {**_body(world), "major_task": 987654}
    response = _client(world.national).post("/api/v1/financing-packages/", body, format="json")
    assert response.status_code == 400
    assert "major_task" in _error_fields(response.json())


def test_the_financing_endpoint_reads_the_figures(world):
    package = _submitted(world)
    _funded(world, package.request, world.bank_x_user)
    body = _client(world.coordinator).get(f"/api/v1/major-tasks/{world.major_task.pk}/financing/").json()
    assert body["financing_gap"] == "300000000.00"
    assert body["remaining_gap"] == "297000000.00"
    assert body["totals"]["funded"] == "3000000.00"
    assert body["by_institution"][0]["institution_name"] == "Bank X"
    assert body["timeline"][-1]["remaining"] == "297000000.00"
    assert set(body["definitions"]) == {"requested", "offered", "accepted", "funded", "remaining"}


def test_the_financing_endpoint_reads_a_fixed_number_of_queries(world, django_assert_num_queries):
    client = _client(world.national)
    url = f"/api/v1/major-tasks/{world.major_task.pk}/financing/"
    package = _submitted(world)
    _funded(world, package.request, world.bank_x_user)
    client.get(url)  # warm the caches of the first call (settings, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    more = _submitted(
        world, ps.PackageTrancheInput("credit_loan", "2000000", 24, [world.bank_x.pk, world.bank_y.pk])
    )
    _funded(world, more.request, world.bank_y_user)
    third = _submitted(world, ps.PackageTrancheInput("rd_insurance", "1000000", 12, [world.insurer.pk]))
    routing.route_request(request_id=third.request_id, user=world.national)
    with CaptureQueriesContext(connection) as three:
        body = client.get(url).json()
    assert body["totals"]["funded"] == "5000000.00"
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]


def test_the_package_list_reads_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.national)
    _draft(world)
    client.get("/api/v1/financing-packages/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/financing-packages/")
    for _ in range(3):
        _draft(
            world, ps.PackageTrancheInput("credit_loan", "1000000", 12, [world.bank_x.pk, world.bank_y.pk])
        )
    with CaptureQueriesContext(connection) as four:
        assert len(client.get("/api/v1/financing-packages/").json()["results"]) == 4
    assert len(four) == len(one)


def test_the_lead_enterprise_managers_find_the_proposed_package_in_their_inbox(world):
    from coordination.models import Notification

    world.enterprise_a.managers.add(world.applicant_a)
    package = _draft(world)
    assert not Notification.objects.filter(topic="financing_package.propose").exists()
    ps.propose_package(user=world.national, package_id=package.pk)
    [notification] = Notification.objects.filter(topic="financing_package.propose")
    assert notification.user == world.applicant_a
    assert f"/sme/packages/{package.pk}/" in notification.body
