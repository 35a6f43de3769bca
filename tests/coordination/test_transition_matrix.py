"""Every (state, action) pair of the five transition tables, for every role and for the system.

The objects in each status are built once for the module, through the services, inside a
transaction that is rolled back when the module ends; each test runs in a savepoint of it (the
`django_db` mark), and each attempt in a further savepoint, so no attempt sees another's effects.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from coordination import selectors
from coordination.choices import (
    ClaimStatus,
    OfferStatus,
    PackageStatus,
    ReferralStatus,
    RequestStatus,
    Role,
)
from coordination.errors import Conflict, DomainError, NotFound, PermissionDenied
from coordination.models import (
    FinancingPackage,
    FinancingRequest,
    LossClaim,
    Offer,
    PackageEvent,
    Referral,
    TransitionEvent,
)
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import loss_claims as lc
from coordination.services import packages as ps
from coordination.services import referrals as rs
from coordination.services.locking import lock_request
from coordination.workflow import engine
from coordination.workflow.tables import (
    CLAIM_TRANSITIONS,
    OFFER_TRANSITIONS,
    PACKAGE_TRANSITIONS,
    REFERRAL_TRANSITIONS,
    REQUEST_TRANSITIONS,
    Transition,
)
from tests import factories as f
from tests.conftest import World
from tests.factories_policy import ProgrammeFactory

TABLES = {
    "request": (FinancingRequest, "financing_request", REQUEST_TRANSITIONS, RequestStatus),
    "referral": (Referral, "referral", REFERRAL_TRANSITIONS, ReferralStatus),
    "offer": (Offer, "offer", OFFER_TRANSITIONS, OfferStatus),
    "loss_claim": (LossClaim, "loss_claim", CLAIM_TRANSITIONS, ClaimStatus),
    "package": (FinancingPackage, "financing_package", PACKAGE_TRANSITIONS, PackageStatus),
}
PAIRS = [
    pytest.param(table, status, action, id=f"{table}:{status}:{action}")
    for table, (_, _, transitions, statuses) in TABLES.items()
    for status in statuses.values
    for action in transitions
]
# 12 request statuses × 18 actions + 8 referral statuses × 8 actions + 5 offer statuses × 4 actions
# + 4 loss-claim statuses × 6 actions + 4 package statuses × 3 actions.
assert len(PAIRS) == 12 * 18 + 8 * 8 + 5 * 4 + 4 * 6 + 4 * 3 == 336

ACTORS = ("applicant A", "applicant B", "bank X", "bank Y", "coordinator", "national", "system")


@dataclass
class States:
    world: World
    users: dict[str, object]
    objects: dict[str, dict[str, int]]  # table -> status -> pk
    bank_x_on_request: set[int]  # requests on which bank X has opened a referral


def _in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def _drive_request(w: World, status: str) -> FinancingRequest:
    """A fresh 3 000 000-yuan request of applicant A driven to `status` (routes go to bank X only)."""
    S = RequestStatus
    a, coord = w.applicant_a, w.coordinator
    request = f.draft_request(user=a, enterprise=w.enterprise_a, documents=status != S.INFO_REQUESTED)
    pk = request.pk
    if status == S.DRAFT:
        return request
    if status == S.SCREENING:
        # Screening is only a transient state inside submit_request (the service screens at once), so
        # we take the engine's own submit transition, under the service's lock, without the screening.
        with transaction.atomic():
            engine.transition(lock_request(pk), "submit", user=a)
        return request
    rq.submit_request(request_id=pk, user=a)
    if status == S.INFO_REQUESTED:
        return request  # screening failed: no documents
    if status == S.EXPIRED:
        raise AssertionError("use _drive_request(INFO_REQUESTED) then expire")
    if status == S.REJECTED:
        rq.reject_request(request_id=pk, user=coord, reason="outside the programme")
        return request
    if status == S.TRIAGE:
        return request
    routing.route_request(request_id=pk, user=coord, product_ids=[w.loan_x.pk])
    if status == S.WITHDRAWN:
        rq.withdraw_request(request_id=pk, user=a, reason="found other funding")
        return request
    if status == S.ROUTED:
        return request
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=w.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk, user=w.bank_x_user, amount=Decimal("3000000"), valid_until=_in_days(30)
    )
    rs.accept_offer(offer_id=offer.pk, user=a)
    if status == S.OFFER_ACCEPTED:
        return request
    approvals.approve_request(request_id=pk, user=coord)
    if status == S.APPROVED:
        return request
    approvals.record_funding(request_id=pk, user=w.bank_x_user)
    if status == S.FUNDED:
        return request
    rq.close_request(request_id=pk, user=coord)
    assert status == S.CLOSED
    return request


def _build_states(w: World) -> States:
    S, F, OS = RequestStatus, ReferralStatus, OfferStatus
    # Two national risk pools cover every loan funded below (the funded and the closed request's).
    pools = [ProgrammeFactory(kind="risk_compensation") for _ in range(2)]
    requests: dict[str, int] = {}
    for status in S.values:
        if status == S.EXPIRED:
            request = _drive_request(w, S.INFO_REQUESTED)
            rq.expire_request(request_id=request.pk)
        else:
            request = _drive_request(w, status)
        request.refresh_from_db()
        assert request.status == status, (status, request.status)
        requests[status] = request.pk

    # One 10-tranche request routed to bank X and a bank Z on every tranche: Z keeps every tranche
    # alive, so whatever X does the request stays routed. Tranche n serves one referral/offer status.
    bank_z_user = f.UserFactory(username="bank-z")
    bank_z = f.InstitutionFactory(name="Bank Z", kind="bank", members=[bank_z_user])
    loan_z = f.ProductFactory(institution=bank_z, name="Z tech loan")
    multi = f.draft_request(
        user=w.applicant_a, enterprise=w.enterprise_a, tranches=[("credit_loan", "1000000")] * 10
    )
    rq.submit_request(request_id=multi.pk, user=w.applicant_a)
    routing.route_request(request_id=multi.pk, user=w.coordinator, product_ids=[w.loan_x.pk, loan_z.pk])
    x_ref = {r.tranche.position: r.pk for r in multi.referrals.filter(institution=w.bank_x)}
    z_ref = {r.tranche.position: r.pk for r in multi.referrals.filter(institution=bank_z)}
    bx = w.bank_x_user

    def offer_on(referral_id: int, user) -> int:
        rs.open_referral(referral_id=referral_id, user=user)
        return rs.make_offer(
            referral_id=referral_id, user=user, amount=Decimal("1000000"), valid_until=_in_days(30)
        ).pk

    referrals = {F.SENT: x_ref[1]}
    rs.open_referral(referral_id=x_ref[2], user=bx)
    referrals[F.REVIEWING] = x_ref[2]
    rs.open_referral(referral_id=x_ref[3], user=bx)
    rs.request_referral_info(referral_id=x_ref[3], user=bx, reason="latest tax filings")
    referrals[F.INFO_REQUESTED] = x_ref[3]
    offers = {OS.OPEN: offer_on(x_ref[4], bx)}
    referrals[F.OFFERED] = x_ref[4]
    rs.decline_referral(referral_id=x_ref[5], user=bx, reason_code="outside_appetite")
    referrals[F.DECLINED] = x_ref[5]
    rs.expire_referral(referral_id=x_ref[6])
    referrals[F.EXPIRED] = x_ref[6]
    offers[OS.ACCEPTED] = offer_on(x_ref[7], bx)
    rs.accept_offer(offer_id=offers[OS.ACCEPTED], user=w.applicant_a)
    offers[OS.SUPERSEDED] = offer_on(x_ref[8], bx)
    rs.accept_offer(offer_id=offer_on(z_ref[8], bank_z_user), user=w.applicant_a)
    referrals[F.SUPERSEDED] = x_ref[8]
    offers[OS.WITHDRAWN] = offer_on(x_ref[9], bx)
    rs.withdraw_offer(offer_id=offers[OS.WITHDRAWN], user=bx, reason="rates moved")
    offers[OS.EXPIRED] = offer_on(x_ref[10], bx)
    rs.expire_offer(offer_id=offers[OS.EXPIRED])
    # The withdrawn request was routed to bank X before the applicant withdrew it.
    referrals[F.WITHDRAWN] = Referral.objects.get(request_id=requests[S.WITHDRAWN]).pk

    # Bank X's loss claims (DESIGN §10): on the funded loan one rejected and one reported on the first
    # pool; on the closed loan one paid on the first pool and one approved on the second.
    def claim_on(request_pk: int, pool) -> LossClaim:
        tranche = FinancingRequest.objects.get(pk=request_pk).tranches.get()
        return lc.report_default(
            tranche_id=tranche.pk,
            user=bx,
            loss=Decimal("1000000"),
            defaulted_on=timezone.localdate(),
            programme_id=pool.pk,
        )

    rejected = claim_on(requests[S.FUNDED], pools[0])
    lc.reject_claim(claim_id=rejected.pk, user=w.coordinator, reason="restructured")
    paid = claim_on(requests[S.CLOSED], pools[0])
    lc.approve_claim(claim_id=paid.pk, user=w.coordinator)
    lc.pay_claim(claim_id=paid.pk, user=w.coordinator)
    approved = claim_on(requests[S.CLOSED], pools[1])
    lc.approve_claim(claim_id=approved.pk, user=w.coordinator)
    claims = {
        ClaimStatus.REPORTED: claim_on(requests[S.FUNDED], pools[0]).pk,
        ClaimStatus.APPROVED: approved.pk,
        ClaimStatus.PAID: paid.pk,
        ClaimStatus.REJECTED: rejected.pk,
    }

    multi.refresh_from_db()
    assert multi.status == S.ROUTED
    # Below the threshold and no major task: the Shanghai coordinator is in scope for all of them.
    assert not FinancingRequest.objects.filter(escalated=True).exists()
    # A major task's packages (DESIGN §14), drafted by the Shanghai coordinator for applicant A's
    # enterprise, which applicant A manages. The submitted one takes the engine's own confirm, without
    # the filing of its request (a national task's request is escalated).
    w.enterprise_a.managers.add(w.applicant_a)

    def package() -> FinancingPackage:
        tranche = ps.PackageTrancheInput("credit_loan", "1000000", 12, [w.bank_x.pk])
        return ps.create_package(
            user=w.coordinator, major_task_id=w.major_task.pk, purpose="Pilot line", tranches=[tranche]
        )

    packages = {PackageStatus.DRAFT: package().pk}
    for status in (PackageStatus.PROPOSED, PackageStatus.SUBMITTED, PackageStatus.DECLINED):
        packages[status] = package().pk
        ps.propose_package(user=w.coordinator, package_id=packages[status])
    with transaction.atomic():
        submitted = FinancingPackage.objects.select_for_update().get(pk=packages[PackageStatus.SUBMITTED])
        engine.transition(submitted, "confirm", user=w.applicant_a)
    ps.decline_package(user=w.applicant_a, package_id=packages[PackageStatus.DECLINED], reason="equity")

    for table, built in (
        ("referral", referrals),
        ("offer", offers),
        ("loss_claim", claims),
        ("package", packages),
    ):
        model = TABLES[table][0]
        assert {s: model.objects.get(pk=pk).status for s, pk in built.items()} == {s: s for s in built}
    users = {
        "applicant A": w.applicant_a,
        "applicant B": w.applicant_b,
        "bank X": w.bank_x_user,
        "bank Y": w.bank_y_user,
        "coordinator": w.coordinator,
        "national": w.national,
        "system": None,
    }
    # DESIGN §1: an institution holds a role on a request once it has opened a referral on it.
    with_x = set(
        Referral.objects.filter(
            institution=w.bank_x, request_id__in=requests.values(), opened_at__isnull=False
        ).values_list("request_id", flat=True)
    )
    built = {
        "request": requests,
        "referral": referrals,
        "offer": offers,
        "loss_claim": claims,
        "package": packages,
    }
    return States(w, users, built, with_x)


@pytest.fixture(scope="module")
def states(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_states(World())
        transaction.set_rollback(True)


def _roles(states: States, table: str, obj, actor: str) -> set[str] | None:
    """The roles each actor holds on the fixture's objects, stated from how they were built."""
    if actor == "system":
        return None
    if table == "package":
        # DESIGN §14: the coordinators in scope hold it; its lead enterprise's manager once proposed.
        if actor in {"coordinator", "national"}:
            return {Role.COORDINATOR}
        return {Role.APPLICANT} if actor == "applicant A" and obj.status != PackageStatus.DRAFT else set()
    if table == "loss_claim" and actor == "applicant A":
        return set()  # DESIGN §10: the SME holds no role on its lender's claim
    if actor == "applicant A":
        return {Role.APPLICANT}
    if actor in {"coordinator", "national"}:
        return {Role.COORDINATOR}  # none of these requests is escalated: the Shanghai one is in scope
    if actor == "bank X":
        # Every referral, offer and claim here is bank X's; a request is X's once X opened its referral
        # on it.
        return {Role.INSTITUTION} if table != "request" or obj.pk in states.bank_x_on_request else set()
    return set()  # applicant B (Beijing) and bank Y never had anything to do with these


# The rows' guards (workflow/rules.py) that refuse on these objects whatever the actor: the request
# offer_accepted here is below the threshold (one coordinator approves it) and has no proposal.
GUARD_REFUSES = {
    ("request", "propose_approval"): Conflict,
    ("request", "confirm_approval"): Conflict,
    ("request", "cancel_approval"): Conflict,
    # The same maker-checker rules on a claim below the threshold.
    ("loss_claim", "propose_approval"): Conflict,
    ("loss_claim", "confirm_approval"): Conflict,
    ("loss_claim", "cancel_approval"): Conflict,
}


def _expected(spec: Transition, status: str, roles: set[str] | None, table: str) -> type[DomainError] | None:
    """None for success, else the error: out of scope, then the wrong role, then the wrong state,
    then the row's guards."""
    if roles is None:
        if Role.SYSTEM not in spec.roles:
            return PermissionDenied
    elif not roles:
        return NotFound
    elif not roles & spec.roles:
        return PermissionDenied
    if status not in spec.sources:
        return Conflict
    return GUARD_REFUSES.get((table, spec.action))


class _RollBack(Exception):
    pass


def _snapshot(model, object_type: str, pk: int) -> tuple[str, int, int]:
    """(status, version, number of its events) re-read from the database: one plain query, as this
    runs after each of ~2 000 attempts and the ORM's query compiler would dominate the module's time.
    A package's events are its own (it has no request to hold them)."""
    if model is FinancingPackage:
        events, params = f"SELECT count(*) FROM {PackageEvent._meta.db_table} WHERE package_id = %s", [pk]
    else:
        events = (
            f"SELECT count(*) FROM {TransitionEvent._meta.db_table} WHERE object_type = %s AND object_id = %s"
        )
        params = [object_type, pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, version, ({events}) FROM {model._meta.db_table} WHERE id = %s", [*params, pk]
        )
        return cursor.fetchone()


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "status", "action"), PAIRS)
def test_pair(states, table, status, action):
    model, object_type, transitions, _ = TABLES[table]
    spec = transitions[action]
    pk = states.objects[table][status]
    before = _snapshot(model, object_type, pk)
    assert before[0] == status
    outcomes = {}
    # Given the object in `status`, read from the database (and read again after any success)
    obj = model.objects.get(pk=pk)
    for actor in ACTORS:
        user = states.users[actor]
        expected = _expected(spec, status, _roles(states, table, obj, actor), table)
        if expected is None:
            # When an allowed actor takes the action, it moves to the target with exactly one event
            try:
                with transaction.atomic():
                    event = engine.transition(obj, action, user=user, reason="r")
                    assert _snapshot(model, object_type, pk) == (spec.target, before[1] + 1, before[2] + 1)
                    object_id = event.package_id if table == "package" else event.object_id
                    assert (object_id, event.action, event.from_status, event.to_status) == (
                        pk,
                        action,
                        status,
                        spec.target,
                    )
                    assert event.actor == user and event.actor_role in spec.roles
                    raise _RollBack
            except _RollBack:
                pass
            outcomes[actor] = "ok"
            obj = model.objects.get(pk=pk)
        else:
            # When anyone else tries, a domain error says why and nothing changes
            with pytest.raises(DomainError) as caught, transaction.atomic():
                engine.transition(obj, action, user=user, reason="r")
            assert type(caught.value) is expected, (actor, caught.value)
            outcomes[actor] = expected.__name__
        # Then the row and its audit trail, re-read, are as before (a success was rolled back)
        assert _snapshot(model, object_type, pk) == before, actor
    # Every allowed pair succeeded for someone; every pair outside the table, or refused by its guards
    # on these objects, failed for everyone.
    allowed = status in spec.sources and (table, action) not in GUARD_REFUSES
    assert ("ok" in outcomes.values()) == allowed, outcomes


@pytest.mark.django_db
def test_every_status_has_an_object(states):
    for table, (model, _, _, statuses) in TABLES.items():
        built = states.objects[table]
        assert set(built) == set(statuses.values)
        assert {model.objects.get(pk=pk).status for pk in built.values()} == set(statuses.values)


STATUSES = [
    pytest.param(table, status, id=f"{table}:{status}")
    for table, (_, _, _, statuses) in TABLES.items()
    for status in statuses.values
]


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "status"), STATUSES)
def test_available_actions_are_what_the_engine_accepts(states, table, status):
    """Given an object in each status, when each person asks which actions are available (alone, or
    with the viewer the API reads once per request), then the answer is exactly the actions this
    module's model of the table lets through for them: what `test_pair` shows the engine accepts."""
    model, _, transitions, _ = TABLES[table]
    obj = model.objects.get(pk=states.objects[table][status])
    for actor, user in states.users.items():
        if user is None:
            continue
        roles = _roles(states, table, obj, actor)
        accepted = [a for a, spec in transitions.items() if _expected(spec, status, roles, table) is None]
        assert engine.available_actions(obj, user) == accepted, actor
        if table == "package":
            roles_read_once = selectors.PackageViewer.of(user).roles_on(obj)
            assert engine.available_actions(obj, user, roles=roles_read_once) == accepted, actor
        else:
            assert engine.available_actions(obj, user, selectors.Viewer.of(user)) == accepted, actor
