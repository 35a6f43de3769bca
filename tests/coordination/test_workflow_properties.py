"""Random walks through the services: any sequence of actions by any actors keeps the invariants.

Each example starts two requests (a plain two-tranche one, and an escalated national major-task
package) at a random point of the journey, then takes random actions by random actors — half the
time by the actor the action is meant for, so that walks get deep — and checks after every step:

- a terminal status stays as it is (REQUEST_TERMINAL, REFERRAL_TERMINAL, OFFER_TERMINAL);
- a tranche has at most one accepted offer, and it is the tranche's `accepted_offer`;
- every status change has its event: each object's events form a chain from its creation
  ("" → first status) whose last `to_status` is its status. The engine bumps `version` on every
  transition it applies, including those that keep the status (propose/cancel approval, a partial
  funding), but not on creation or on `record_decision` (not used here): so `version` equals the
  number of events after the creation, of which those with from != to are the status changes;
- pending deadlines are those of the current status' stage only (REQUEST_STAGES etc.);
- each event wrote one outbox message, and a product's used capacity is the sum of its accepted offers.

The world is built once per test; each example runs in a savepoint rolled back at its end.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from coordination.choices import DeclineReason
from coordination.errors import DomainError
from coordination.models import (
    Deadline,
    FinancingRequest,
    Offer,
    OutboxMessage,
    Referral,
    Tranche,
    TransitionEvent,
)
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.workflow.tables import (
    OFFER_STAGES,
    OFFER_TERMINAL,
    OFFER_TRANSITIONS,
    REFERRAL_STAGES,
    REFERRAL_TERMINAL,
    REFERRAL_TRANSITIONS,
    REQUEST_STAGES,
    REQUEST_TERMINAL,
    REQUEST_TRANSITIONS,
)
from lenders.models import Product
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

TERMINAL = {"financing_request": REQUEST_TERMINAL, "referral": REFERRAL_TERMINAL, "offer": OFFER_TERMINAL}
STAGES = {"financing_request": REQUEST_STAGES, "referral": REFERRAL_STAGES, "offer": OFFER_STAGES}

# Each action the walk can take, and the table entry whose sources say when it fits.
REQUEST_ACTIONS = {
    "submit": "submit",
    "attach_documents": None,  # the applicant uploads what screening asked for: no transition
    "resubmit": "resubmit",
    "request_info": "request_info",
    "reject": "reject",
    "route": "route",
    "route_edited": "route",
    "accept_partial_package": "accept_partial_package",
    "approve": "approve",
    "cancel_approval": "cancel_approval",
    "record_funding": "record_funding",
    "close": "close",
    "withdraw": "withdraw",
    "expire": "expire",
}
REFERRAL_ACTIONS = {
    "open": "open",
    "referral_request_info": "request_info",
    "provide_info": "provide_info",
    "decline": "decline",
    "expire_referral": "expire",
    "offer": "offer",
}
OFFER_ACTIONS = {"accept": "accept", "withdraw_offer": "withdraw", "expire_offer": "expire"}
ALL_ACTIONS = tuple(REQUEST_ACTIONS) + tuple(REFERRAL_ACTIONS) + tuple(OFFER_ACTIONS)
ACTORS = (
    "applicant_a",
    "applicant_b",
    "bank_x_user",
    "bank_y_user",
    "insurer_user",
    "vc_user",
    "coordinator",
    "national",
    "national_2",
)
STARTS = ("draft", "triage", "routed", "offered", "one_accepted", "offer_accepted", "approved")


@dataclass
class Walk:
    world: World
    requests: list[int]
    products: list[Product]
    product_lists: list[list[int]]
    member_of: dict[int, object]  # institution id -> its reviewer


@pytest.fixture
def products(world) -> list[Product]:
    """Several products: bank X has two credit loans, so routing must pick one per institution."""
    loan_x2 = f.ProductFactory(institution=world.bank_x, name="X green loan")
    return [world.loan_x, loan_x2, world.loan_y, world.rd_insurance, world.equity]


def _today_plus(days: int):
    return timezone.localdate() + timedelta(days=days)


def _coordinator_for(walk: Walk, request: FinancingRequest, index: int):
    w = walk.world
    if request.escalated:
        return w.national if index % 2 == 0 else w.national_2
    return w.coordinator


def _drive(walk: Walk, request: FinancingRequest, start: str) -> None:
    """A scripted start through the services, from a draft up to an approved request."""
    w = walk.world
    if start == "draft":
        return
    if not request.documents.exists():
        f.attach_required_documents(request, w.applicant_a)
    request = rq.submit_request(request_id=request.pk, user=w.applicant_a)
    assert request.status == "triage"
    if start == "triage":
        return
    routing.route_request(request_id=request.pk, user=_coordinator_for(walk, request, 0))
    if start == "routed":
        return
    offers = []
    for referral in Referral.objects.filter(request=request).select_related("tranche"):
        user = walk.member_of[referral.institution_id]
        rs.open_referral(referral_id=referral.pk, user=user)
        offers.append(
            rs.make_offer(
                referral_id=referral.pk,
                user=user,
                amount=referral.tranche.amount,
                valid_until=_today_plus(30),
            )
        )
    if start == "offered":
        return
    for tranche in request.tranches.all():
        offer = next(o for o in offers if o.tranche_id == tranche.pk)
        rs.accept_offer(offer_id=offer.pk, user=w.applicant_a)
        if start == "one_accepted":
            return
    request.refresh_from_db()
    assert request.status == "offer_accepted"
    if start == "offer_accepted":
        return
    approvals.approve_request(request_id=request.pk, user=_coordinator_for(walk, request, 0))
    if request.escalated:
        approvals.approve_request(request_id=request.pk, user=_coordinator_for(walk, request, 1))
    request.refresh_from_db()
    assert request.status == "approved" and start == "approved"


@pytest.fixture
def starts(world, products) -> tuple[dict[str, int], dict[str, int], dict]:
    """Both requests at every start, built once per test: an example picks one of each and walks it."""
    x, x2, y, rd, eq = (p.pk for p in products)
    context = {
        "products": products,
        "product_lists": [[x], [y], [x, rd], [x2, y, rd], [x, eq], [y, rd, eq], [rd], [eq], [x, x2]],
        "member_of": {
            world.bank_x.pk: world.bank_x_user,
            world.bank_y.pk: world.bank_y_user,
            world.insurer.pk: world.insurer_user,
            world.vc.pk: world.vc_user,
        },
    }
    scout = Walk(world=world, requests=[], **context)
    plain, package = {}, {}
    for start in STARTS:
        request = f.draft_request(
            user=world.applicant_a,
            enterprise=world.enterprise_a,
            tranches=(("credit_loan", "3000000"), ("rd_insurance", "2000000")),
        )
        _drive(scout, request, start)
        plain[start] = request.pk
        request = f.draft_request(
            user=world.applicant_a,
            enterprise=world.enterprise_a,
            major_task=world.major_task,
            tranches=(("credit_loan", "4000000"), ("equity", "2000000")),
            documents=False,  # screening fails until the documents are attached
        )
        _drive(scout, request, start)
        package[start] = request.pk
    return plain, package, context


def _fitting(request: FinancingRequest) -> list[tuple[str, int | None]]:
    """The actions the tables allow on this request and its referrals and offers now (by anyone)."""
    options: list[tuple[str, int | None]] = [
        (action, None)
        for action, name in REQUEST_ACTIONS.items()
        if name and request.status in REQUEST_TRANSITIONS[name].sources
    ]
    if request.status in {"draft", "info_requested"}:
        options.append(("attach_documents", None))
    routed = request.status == "routed"  # the services act on referrals and offers only then (but expiry)
    for table, actions, objects in (
        (REFERRAL_TRANSITIONS, REFERRAL_ACTIONS, Referral.objects.filter(request=request)),
        (OFFER_TRANSITIONS, OFFER_ACTIONS, Offer.objects.filter(request=request)),
    ):
        for pk, status in objects.order_by("pk").values_list("pk", "status"):
            options.extend(
                (action, pk)
                for action, name in actions.items()
                if status in table[name].sources and (routed or name == "expire")
            )
    return options


def _perform(
    walk: Walk, action: str, request: FinancingRequest, target: int | None, index: int, user
) -> bool:
    """Take `action` through the services (`user` None: the actor it is meant for); False if there
    was nothing to take it on."""
    w = walk.world
    pk = request.pk

    if action in REQUEST_ACTIONS:
        if action in {"submit", "resubmit", "withdraw", "attach_documents"}:
            natural = w.applicant_a
        elif action == "record_funding":
            accepted = request.tranches.filter(accepted_offer__isnull=False, funded_on__isnull=True)
            tranche = accepted.select_related("accepted_offer__referral").first()
            natural = (
                walk.member_of[tranche.accepted_offer.referral.institution_id] if tranche else w.bank_x_user
            )
        else:
            natural = _coordinator_for(walk, request, index)
        actor = user or natural
        match action:
            case "submit":
                rq.submit_request(request_id=pk, user=actor)
            case "attach_documents":
                if actor != w.applicant_a or request.documents.exists():
                    return False
                f.attach_required_documents(request, actor)
            case "resubmit":
                rq.resubmit_request(request_id=pk, user=actor, note="as asked")
            case "request_info":
                rq.request_information(request_id=pk, user=actor, reason="audited accounts")
            case "reject":
                rq.reject_request(request_id=pk, user=actor, reason="outside the programme")
            case "route":
                routing.route_request(request_id=pk, user=actor)
            case "route_edited":
                product_ids = walk.product_lists[index % len(walk.product_lists)]
                routing.route_request(request_id=pk, user=actor, product_ids=product_ids, reason="edited")
            case "accept_partial_package":
                routing.accept_partial_package(request_id=pk, user=actor, reason="enough for now")
            case "approve":
                approvals.approve_request(request_id=pk, user=actor)
            case "cancel_approval":
                approvals.cancel_approval_proposal(request_id=pk, user=actor, reason="figures changed")
            case "record_funding":
                approvals.record_funding(request_id=pk, user=actor)
            case "close":  # the system closes too
                rq.close_request(request_id=pk, user=None if user is None and index % 2 else actor)
            case "withdraw":
                rq.withdraw_request(request_id=pk, user=actor, reason="changed plans")
            case "expire":
                rq.expire_request(request_id=pk)
        return True

    if action in REFERRAL_ACTIONS:
        referrals = list(Referral.objects.filter(request=request).select_related("tranche").order_by("pk"))
        referral = next((r for r in referrals if r.pk == target), None)
        if referral is None and referrals:
            referral = referrals[index % len(referrals)]
        if referral is None:
            return False
        natural = w.applicant_a if action == "provide_info" else walk.member_of[referral.institution_id]
        actor = user or natural
        match action:
            case "open":
                rs.open_referral(referral_id=referral.pk, user=actor)
            case "referral_request_info":
                rs.request_referral_info(referral_id=referral.pk, user=actor, reason="tax filings")
            case "provide_info":
                rs.provide_referral_info(referral_id=referral.pk, user=actor, note="attached")
            case "decline":
                reason = DeclineReason.values[index % len(DeclineReason.values)]
                rs.decline_referral(referral_id=referral.pk, user=actor, reason_code=reason)
            case "expire_referral":
                rs.expire_referral(referral_id=referral.pk)
            case "offer":
                rs.make_offer(
                    referral_id=referral.pk,
                    user=actor,
                    amount=referral.tranche.amount,
                    valid_until=_today_plus(30),
                )
        return True

    offers = list(Offer.objects.filter(request=request).select_related("referral").order_by("pk"))
    offer = next((o for o in offers if o.pk == target), None)
    if offer is None and offers:
        offer = offers[index % len(offers)]
    if offer is None:
        return False
    natural = w.applicant_a if action == "accept" else walk.member_of[offer.referral.institution_id]
    actor = user or natural
    match action:
        case "accept":
            rs.accept_offer(offer_id=offer.pk, user=actor)
        case "withdraw_offer":
            rs.withdraw_offer(offer_id=offer.pk, user=actor, reason="repriced")
        case "expire_offer":
            rs.expire_offer(offer_id=offer.pk)
    return True


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLE_NAMES), params)
        return cursor.fetchall()


# Plain SQL in the checks: they run after every step, and the ORM's query compiler would take
# more time than the services under test.
TABLE_NAMES = {
    "request": FinancingRequest._meta.db_table,
    "tranche": Tranche._meta.db_table,
    "referral": Referral._meta.db_table,
    "offer": Offer._meta.db_table,
    "event": TransitionEvent._meta.db_table,
    "deadline": Deadline._meta.db_table,
    "outbox": OutboxMessage._meta.db_table,
    "product": Product._meta.db_table,
}


def _check(walk: Walk, previous: dict) -> dict:
    """Assert the invariants; return the statuses to compare the next step with."""
    ids = walk.requests
    current = {
        (object_type, pk): (status, version)
        for object_type, pk, status, version in _rows(
            "SELECT 'financing_request', id, status, version FROM {request} WHERE id = ANY(%s)"
            " UNION ALL SELECT 'referral', id, status, version FROM {referral} WHERE request_id = ANY(%s)"
            " UNION ALL SELECT 'offer', id, status, version FROM {offer} WHERE request_id = ANY(%s)",
            [ids, ids, ids],
        )
    }

    # Terminal states stay terminal (and nothing disappears)
    for key, (status, _) in previous.items():
        assert key in current, key
        if status in TERMINAL[key[0]]:
            assert current[key][0] == status, (key, status, current[key][0])

    # Every status change has its event, and `version` counts the applied transitions
    chains = defaultdict(list)
    for object_type, object_id, from_status, to_status in _rows(
        "SELECT object_type, object_id, from_status, to_status FROM {event}"
        " WHERE request_id = ANY(%s) ORDER BY id",
        [ids],
    ):
        chains[(object_type, object_id)].append((from_status, to_status))
    assert set(chains) == set(current)
    for key, (status, version) in current.items():
        chain = chains[key]
        assert chain[0][0] == "" and all(frm for frm, _ in chain[1:]), (key, chain)
        assert all(prev[1] == nxt[0] for prev, nxt in pairwise(chain)), (key, chain)
        assert chain[-1][1] == status, (key, chain, status)
        assert version == len(chain) - 1, (key, chain, version)
        status_changes = [(frm, to) for frm, to in chain[1:] if frm != to]
        assert len(status_changes) <= version

    # No pending deadline on a stage the object has left, and the current stage's are there
    pending = defaultdict(set)
    for object_type, object_id, stage in _rows(
        "SELECT object_type, object_id, stage FROM {deadline}"
        " WHERE request_id = ANY(%s) AND state = 'pending'",
        [ids],
    ):
        pending[(object_type, object_id)].add(stage)
    assert set(pending) <= set(current)
    for key, (status, _) in current.items():
        stage = STAGES[key[0]].get(status)
        assert pending.get(key, set()) == ({stage} if stage else set()), (key, status, pending.get(key))

    # At most one accepted offer per tranche, and it is the tranche's accepted offer
    accepted = dict(
        _rows("SELECT id, tranche_id FROM {offer} WHERE request_id = ANY(%s) AND status = 'accepted'", [ids])
    )
    assert max(Counter(accepted.values()).values(), default=0) <= 1
    chosen = dict(
        _rows(
            "SELECT accepted_offer_id, id FROM {tranche} WHERE request_id = ANY(%s)"
            " AND accepted_offer_id IS NOT NULL",
            [ids],
        )
    )
    assert chosen == accepted

    # A request past the offers has every tranche accepted, unless a coordinator took a partial package
    assert not _rows(
        "SELECT r.id, r.status FROM {request} r JOIN {tranche} t ON t.request_id = r.id"
        " WHERE r.id = ANY(%s) AND t.accepted_offer_id IS NULL AND r.partial_package_reason = ''"
        " AND r.status IN ('offer_accepted', 'approved', 'funded', 'closed')",
        [ids],
    )

    # One outbox message per event; a product's used capacity is what was accepted of it and still
    # stands: a request withdrawn or expired before funding gave its capacity back
    ((outbox,),) = _rows("SELECT count(*) FROM {outbox} WHERE request_id = ANY(%s)", [ids])
    assert outbox == sum(len(chain) for chain in chains.values())
    assert not _rows(
        "SELECT p.id, p.capacity_used, COALESCE(SUM(o.amount), 0) FROM {product} p"
        " LEFT JOIN {referral} f ON f.product_id = p.id"
        " LEFT JOIN {offer} o ON o.referral_id = f.id AND o.status = 'accepted'"
        " AND NOT EXISTS (SELECT 1 FROM {request} r JOIN {tranche} t ON t.request_id = r.id"
        " WHERE r.id = o.request_id AND t.accepted_offer_id = o.id AND t.funded_on IS NULL"
        " AND r.status IN ('withdrawn', 'expired'))"
        " WHERE p.id = ANY(%s) GROUP BY p.id HAVING p.capacity_used <> COALESCE(SUM(o.amount), 0)",
        [[p.pk for p in walk.products]],
    )
    return current


class _EndOfExample(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=st.tuples(st.sampled_from(STARTS), st.sampled_from(STARTS)), data=st.data())
def test_random_walks_keep_the_invariants(world, starts, start, data):
    plain, package, context = starts
    try:
        with transaction.atomic():
            # Given the plain request and the package at a random point of their journeys
            walk = Walk(world=world, requests=[plain[start[0]], package[start[1]]], **context)
            seen = _check(walk, {})
            for _ in range(data.draw(st.integers(4, 16), label="steps")):
                # When someone tries something — half the time an action the tables allow now, else
                # any action; half the time by the actor it is meant for, else by anyone
                request = FinancingRequest.objects.get(pk=walk.requests[data.draw(st.integers(0, 1))])
                options = _fitting(request)
                if options and data.draw(st.booleans()):
                    action, target = data.draw(st.sampled_from(options))
                else:
                    action, target = data.draw(st.sampled_from(ALL_ACTIONS)), None
                index = data.draw(st.integers(0, 11))
                actor = data.draw(st.one_of(st.none(), st.sampled_from(ACTORS)))
                user = getattr(world, actor) if actor else None
                # Then it either happens or is refused with a domain error (anything else fails)
                try:
                    if _perform(walk, action, request, target, index, user):
                        event(f"did {action}")
                except DomainError as error:
                    event(f"refused: {type(error).__name__}")
                # And the invariants hold
                seen = _check(walk, seen)
            for key, (status, _) in seen.items():
                event(f"{key[0]} ended {status}")  # see --hypothesis-show-statistics
            raise _EndOfExample  # roll the example back: the next one starts from the same requests
    except _EndOfExample:
        pass
