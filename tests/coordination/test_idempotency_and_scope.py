"""Idempotency keys, screening, escalation, coordinator scope, partial packages and re-routing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coordination import selectors
from coordination.errors import Conflict, IdempotencyMismatch, NotFound, PermissionDenied, ValidationFailed
from coordination.models import FinancingRequest, Referral, TransitionEvent
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests import factories as f
from tests.factories import attach_required_documents, draft_request

pytestmark = pytest.mark.django_db


def _in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def _events(request, action: str | None = None, object_type: str = "financing_request") -> int:
    events = TransitionEvent.objects.filter(request=request, object_type=object_type)
    return (events.filter(action=action) if action else events).count()


def _triaged(world, **kwargs) -> FinancingRequest:
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a, **kwargs)
    return rq.submit_request(request_id=request.pk, user=world.applicant_a)


def _offer(world, referral: Referral, user) -> object:
    rs.open_referral(referral_id=referral.pk, user=user)
    return rs.make_offer(
        referral_id=referral.pk, user=user, amount=referral.tranche.amount, valid_until=_in_days(30)
    )


# Idempotency


def test_the_same_key_twice_returns_the_first_result_and_writes_nothing_more(world):
    # Given a draft submitted with an idempotency key
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    first = rq.submit_request(request_id=request.pk, user=world.applicant_a, idempotency_key="submit-1")
    events, version = _events(request), first.version
    # When the client retries with the same key
    again = rq.submit_request(request_id=request.pk, user=world.applicant_a, idempotency_key="submit-1")
    # Then it gets the same request in the same state and no second event is written
    assert (again.pk, again.status, again.version) == (first.pk, "triage", version)
    assert _events(request) == events
    assert _events(request, "submit") == 1
    # And without the key the same call is a conflict: it is no longer a draft
    with pytest.raises(Conflict):
        rq.submit_request(request_id=request.pk, user=world.applicant_a)


def test_the_same_key_on_a_referral_decline_replays(world):
    # Given a request routed to banks X and Y, and bank X declining with a key
    request = _triaged(world)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    referral = request.referrals.get(institution=world.bank_x)
    first = rs.decline_referral(
        referral_id=referral.pk, user=world.bank_x_user, reason_code="outside_appetite", idempotency_key="d-1"
    )
    # When the same decline is retried with the same key
    again = rs.decline_referral(
        referral_id=referral.pk, user=world.bank_x_user, reason_code="outside_appetite", idempotency_key="d-1"
    )
    # Then it replays: the same referral, declined once
    assert (again.pk, again.status) == (first.pk, "declined")
    assert _events(request, "decline", "referral") == 1


def test_the_same_key_for_another_action_is_refused(world):
    # Given a submit done with key "k-1"
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a, idempotency_key="k-1")
    events = _events(request)
    # When the applicant reuses "k-1" to withdraw
    with pytest.raises(IdempotencyMismatch):
        rq.withdraw_request(request_id=request.pk, user=world.applicant_a, idempotency_key="k-1")
    # Then nothing happened
    request.refresh_from_db()
    assert request.status == "triage"
    assert _events(request) == events
    # And the same key on another request is refused too
    other = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    with pytest.raises(IdempotencyMismatch):
        rq.submit_request(request_id=other.pk, user=world.applicant_a, idempotency_key="k-1")
    other.refresh_from_db()
    assert other.status == "draft"


def test_keys_are_per_actor(world):
    # Given the Shanghai coordinator used "k-1" to request information on one request
    first = _triaged(world)
    rq.request_information(
        request_id=first.pk, user=world.coordinator, reason="audited accounts", idempotency_key="k-1"
    )
    # When another user (the applicant) uses the same key for their own action
    second = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    result = rq.submit_request(request_id=second.pk, user=world.applicant_a, idempotency_key="k-1")
    # Then it is a different key: the action runs
    assert result.status == "triage"


def test_a_retried_approval_proposal_replays_instead_of_confirming(world):
    # Given an escalated request with an accepted offer, proposed for approval by a national
    # coordinator with a key
    request = _escalated_offer_accepted(world)
    approvals.approve_request(request_id=request.pk, user=world.national, idempotency_key="approve-1")
    # When the same call is retried with the same key (the response was lost)
    again = approvals.approve_request(request_id=request.pk, user=world.national, idempotency_key="approve-1")
    # Then it replays the proposal: still waiting for a second coordinator, one proposal event
    assert again.status == "offer_accepted"
    assert again.approval_proposed_by_id == world.national.pk
    assert _events(request, "propose_approval") == 1
    # And the second national coordinator confirms it
    assert approvals.approve_request(request_id=request.pk, user=world.national_2).status == "approved"


# Screening


def test_screening_failure_asks_for_what_is_missing_and_resubmit_passes(world):
    # Given a draft without its documents
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    # When it is submitted, screening fails and asks for the missing documents
    request = rq.submit_request(request_id=request.pk, user=world.applicant_a)
    assert request.status == "info_requested"
    missing = request.screening["missing"]
    assert missing == ["document: business plan", "document: financial statements"]
    assert request.info_request.splitlines() == missing
    fail = TransitionEvent.objects.get(request=request, action="screen_fail")
    assert fail.actor is None and fail.actor_role == "system" and "business plan" in fail.reason
    # When resubmitted as it is, screening fails again
    request = rq.resubmit_request(request_id=request.pk, user=world.applicant_a, note="retry")
    assert request.status == "info_requested"
    # When the applicant attaches the documents and resubmits
    attach_required_documents(request, world.applicant_a)
    request = rq.resubmit_request(request_id=request.pk, user=world.applicant_a, note="documents attached")
    # Then screening passes and it waits in triage with nothing missing
    assert request.status == "triage"
    assert request.screening["missing"] == [] and request.info_request == ""
    assert _events(request, "screen_fail") == 2 and _events(request, "screen_pass") == 1


def test_only_the_applicant_resubmits(world):
    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    with pytest.raises(PermissionDenied):
        rq.resubmit_request(request_id=request.pk, user=world.coordinator)
    with pytest.raises(NotFound):
        rq.resubmit_request(request_id=request.pk, user=world.applicant_b)


# Escalation


@pytest.mark.parametrize(
    ("amount", "escalated"),
    [("49999999.99", False), ("50000000", True), ("80000000", True), ("3000000", False)],
)
def test_escalation_at_the_national_threshold(world, amount, escalated):
    request = _triaged(world, tranches=[("credit_loan", amount)])
    assert request.status == "triage"
    assert request.escalated is escalated


def test_a_national_major_task_is_escalated_whatever_its_amount(world):
    request = _triaged(world, major_task=world.major_task, tranches=[("credit_loan", "2000000")])
    assert request.escalated


def test_a_provincial_major_task_below_the_threshold_is_not_escalated(world):
    task = f.MajorTaskFactory(lead_enterprise=world.enterprise_a, level="provincial")
    request = _triaged(world, major_task=task, tranches=[("credit_loan", "2000000")])
    assert not request.escalated


def _escalated_offer_accepted(world) -> FinancingRequest:
    request = _triaged(world, tranches=[("credit_loan", "60000000")])
    assert request.escalated
    routing.route_request(request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk])
    rs.accept_offer(
        offer_id=_offer(world, request.referrals.get(), world.bank_x_user).pk, user=world.applicant_a
    )
    request.refresh_from_db()
    assert request.status == "offer_accepted"
    return request


def test_the_regional_coordinator_cannot_act_on_escalated_requests(world):
    # Given an escalated request in triage
    request = _triaged(world, tranches=[("credit_loan", "60000000")])
    events = _events(request)
    # Then the Shanghai coordinator still sees it, but may not triage it
    assert selectors.requests_visible_to(world.coordinator).filter(pk=request.pk).exists()
    with pytest.raises(PermissionDenied):
        routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    with pytest.raises(PermissionDenied):
        rq.reject_request(request_id=request.pk, user=world.coordinator, reason="no")
    with pytest.raises(PermissionDenied):
        rq.request_information(request_id=request.pk, user=world.coordinator, reason="more")
    assert _events(request) == events
    # And a national coordinator may
    assert routing.route_request(
        request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk]
    ).status == ("routed")


def test_the_regional_coordinator_cannot_approve_escalated_requests(world):
    request = _escalated_offer_accepted(world)
    with pytest.raises(PermissionDenied):
        approvals.approve_request(request_id=request.pk, user=world.coordinator)
    request.refresh_from_db()
    assert request.approval_proposed_by_id is None and _events(request, "propose_approval") == 0
    # Maker-checker: the maker cannot confirm their own proposal
    approvals.approve_request(request_id=request.pk, user=world.national)
    with pytest.raises(PermissionDenied):
        approvals.approve_request(request_id=request.pk, user=world.national)
    with pytest.raises(PermissionDenied):
        approvals.approve_request(request_id=request.pk, user=world.coordinator)
    assert approvals.approve_request(request_id=request.pk, user=world.national_2).status == "approved"


def test_the_shanghai_coordinator_neither_sees_nor_acts_on_beijing_requests(world):
    # Given applicant B's request from Haidian, Beijing, in triage
    request = draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
    request = rq.submit_request(request_id=request.pk, user=world.applicant_b)
    assert request.status == "triage" and not request.escalated
    # Then the Shanghai coordinator does not see it, and every action says it does not exist
    assert not selectors.requests_visible_to(world.coordinator).filter(pk=request.pk).exists()
    for call in (
        lambda: routing.route_request(
            request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk]
        ),
        lambda: rq.reject_request(request_id=request.pk, user=world.coordinator, reason="no"),
        lambda: rq.request_information(request_id=request.pk, user=world.coordinator, reason="more"),
        lambda: rq.extend_request_deadline(
            request_id=request.pk, user=world.coordinator, business_days=2, reason="x"
        ),
    ):
        with pytest.raises(NotFound):
            call()
    # And neither do applicant A nor bank X
    for user in (world.applicant_a, world.bank_x_user):
        assert not selectors.requests_visible_to(user).filter(pk=request.pk).exists()
        with pytest.raises(NotFound):
            rq.withdraw_request(request_id=request.pk, user=user)
    # While national coordinators see and route it
    assert selectors.requests_visible_to(world.national).filter(pk=request.pk).exists()
    assert routing.route_request(
        request_id=request.pk, user=world.national, product_ids=[world.loan_y.pk]
    ).status == ("routed")


def test_an_institution_sees_only_its_own_referrals(world):
    request = _triaged(world)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    x, y = request.referrals.get(institution=world.bank_x), request.referrals.get(institution=world.bank_y)
    assert list(selectors.referrals_visible_to(world.bank_x_user)) == [x]
    assert not selectors.referrals_visible_to(world.insurer_user).exists()
    with pytest.raises(NotFound):
        rs.open_referral(referral_id=y.pk, user=world.insurer_user)
    # A bank with a referral on the request does not see another bank's referral either
    with pytest.raises(NotFound):
        rs.open_referral(referral_id=y.pk, user=world.bank_x_user)
    y.refresh_from_db()
    assert y.status == "sent"


# Partial packages


def _package(world) -> FinancingRequest:
    # A major-task package: a 4 000 000 loan and a 2 000 000 equity tranche (escalated: national task)
    request = _triaged(
        world, major_task=world.major_task, tranches=[("credit_loan", "4000000"), ("equity", "2000000")]
    )
    return routing.route_request(
        request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk, world.equity.pk]
    )


def test_partial_package_approval_needs_an_accepted_tranche_and_a_reason(world):
    # Given a package whose equity tranche has an open VC referral and nothing accepted yet
    request = _package(world)
    # Then accepting a partial package is a conflict before any tranche has an accepted offer
    with pytest.raises(Conflict):
        routing.accept_partial_package(request_id=request.pk, user=world.national, reason="loan is enough")
    # When the loan tranche's offer is accepted
    loan = request.referrals.get(institution=world.bank_x)
    rs.accept_offer(offer_id=_offer(world, loan, world.bank_x_user).pk, user=world.applicant_a)
    request.refresh_from_db()
    assert request.status == "routed"
    # Then a partial package needs a reason, and only a (national) coordinator may decide it
    with pytest.raises(ValidationFailed):
        routing.accept_partial_package(request_id=request.pk, user=world.national, reason="  ")
    with pytest.raises(PermissionDenied):
        routing.accept_partial_package(request_id=request.pk, user=world.applicant_a, reason="enough")
    with pytest.raises(PermissionDenied):
        routing.accept_partial_package(request_id=request.pk, user=world.coordinator, reason="enough")
    # When the national coordinator accepts the loan alone, with a reason
    request = routing.accept_partial_package(
        request_id=request.pk, user=world.national, reason="the equity round closed elsewhere"
    )
    # Then the request moves on with the reason recorded, and the waiting equity referral is withdrawn
    assert request.status == "offer_accepted"
    assert request.partial_package_reason == "the equity round closed elsewhere"
    event = TransitionEvent.objects.get(request=request, action="accept_partial_package")
    assert event.reason == "the equity round closed elsewhere" and event.actor == world.national
    assert request.referrals.get(institution=world.vc).status == "withdrawn"
    assert request.referrals.get(institution=world.bank_x).status == "offered"
    # And approval still takes two national coordinators
    approvals.approve_request(request_id=request.pk, user=world.national)
    assert approvals.approve_request(request_id=request.pk, user=world.national_2).status == "approved"


# Re-routing


def test_rerouting_after_every_referral_declined_never_returns_to_a_decliner(world):
    # Given a request routed to bank X only
    request = _triaged(world)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    # When bank X declines, nothing is left waiting on the tranche
    referral = request.referrals.get()
    rs.decline_referral(referral_id=referral.pk, user=world.bank_x_user, reason_code="insufficient_credit")
    # Then the request is back in triage, flagged for re-routing, by the system
    request.refresh_from_db()
    assert request.status == "triage" and request.needs_rerouting
    back = TransitionEvent.objects.filter(request=request, object_type="financing_request").last()
    assert (back.action, back.actor_role, back.actor) == ("return_to_triage", "system", None)
    # And a second route to bank X is refused as ineligible, changing nothing
    events = _events(request)
    with pytest.raises(ValidationFailed) as refused:
        routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    assert "already had this tranche" in refused.value.message
    request.refresh_from_db()
    assert request.status == "triage" and _events(request) == events
    # And the matcher's proposal leaves bank X out
    request = routing.route_request(request_id=request.pk, user=world.coordinator)
    assert request.status == "routed" and not request.needs_rerouting
    live = request.referrals.exclude(pk=referral.pk)
    assert world.bank_x not in {r.institution for r in live}
    assert {r.institution for r in live} == {world.bank_y}


def test_rerouting_after_expiry_and_a_withdrawn_offer(world):
    # Given a request routed to banks X and Y
    request = _triaged(world)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    x, y = request.referrals.get(institution=world.bank_x), request.referrals.get(institution=world.bank_y)
    # When X's review expires, the request still waits on Y
    rs.expire_referral(referral_id=x.pk)
    request.refresh_from_db()
    assert request.status == "routed"
    # When Y offers and then withdraws its offer, nothing is left: back to triage
    offer = _offer(world, y, world.bank_y_user)
    rs.withdraw_offer(offer_id=offer.pk, user=world.bank_y_user, reason="repriced")
    request.refresh_from_db()
    assert request.status == "triage" and request.needs_rerouting
    # And neither X nor Y may have the tranche again
    for product in (world.loan_x, world.loan_y):
        with pytest.raises(ValidationFailed):
            routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[product.pk])
    with pytest.raises(ValidationFailed):
        routing.route_request(request_id=request.pk, user=world.coordinator)  # the matcher has nobody left


def test_two_products_of_one_institution_on_one_tranche_are_refused(world):
    # Given bank X has a second credit-loan product
    second = f.ProductFactory(institution=world.bank_x, name="X green loan")
    request = _triaged(world)
    # Then routing one tranche to both of X's products is refused as invalid, not a crash
    with pytest.raises(ValidationFailed):
        routing.route_request(
            request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, second.pk]
        )
    request.refresh_from_db()
    assert request.status == "triage"
    # And the matcher's proposal routes to each institution once
    request = routing.route_request(request_id=request.pk, user=world.coordinator)
    institutions = [r.institution_id for r in request.referrals.all()]
    assert sorted(institutions) == sorted({world.bank_x.pk, world.bank_y.pk})
