"""The workflow of DESIGN.md §3 held as data, so that a test can walk every (state, action) pair.

Each row names its rules (functions of `workflow/rules.py`): `permits` judge the actor before the
state is checked, `guards` the object after it, `effects` follow the change in its transaction.
Adding a transition touches this table and its rules, nothing else.
"""

from collections.abc import Set
from dataclasses import dataclass

from ..choices import (
    ClaimStatus,
    DeadlineKind,
    OfferStatus,
    PackageStatus,
    ReferralStatus,
    RequestStatus,
    Role,
    Stage,
)
from .rules import LIVE_REFERRAL

A, I, C, S = Role.APPLICANT, Role.INSTITUTION, Role.COORDINATOR, Role.SYSTEM  # noqa: E741 - table shorthand


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    reason_required: bool = False
    permits: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    notify: frozenset[str] = frozenset()  # the roles told of it (topic "<object type>.<action>")


def _t(
    action: str,
    sources: Set[str],
    target: str,
    roles: Set[str],
    reason: bool = False,
    *,
    guards: tuple[str, ...] = (),
    effects: tuple[str, ...] = (),
    notify: Set[str] = frozenset(),
) -> Transition:
    # Escalation binds every coordinator's move on a request (DESIGN.md §3), so it is never forgotten.
    permits = ("escalated_needs_national",) if C in roles else ()
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(roles),
        reason,
        permits,
        guards,
        effects,
        frozenset(notify),
    )


R = RequestStatus
OPEN_BEFORE_APPROVAL = {R.DRAFT, R.SCREENING, R.INFO_REQUESTED, R.TRIAGE, R.ROUTED, R.OFFER_ACCEPTED}
ENDED = ("close_open_parts", "release_capacity")  # a request ending before funding

REQUEST_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", {R.DRAFT}, R.SCREENING, {A}, notify={A}),
        _t("screen_pass", {R.SCREENING}, R.TRIAGE, {S}, notify={A, C}),
        _t("screen_fail", {R.SCREENING}, R.INFO_REQUESTED, {S}, notify={A}),
        _t("resubmit", {R.INFO_REQUESTED}, R.SCREENING, {A}),
        _t("route", {R.TRIAGE}, R.ROUTED, {C}, notify={A}),
        _t("request_info", {R.TRIAGE}, R.INFO_REQUESTED, {C}, reason=True, notify={A}),
        _t("reject", {R.TRIAGE}, R.REJECTED, {C}, reason=True, effects=("close_open_parts",), notify={A}),
        _t(
            "all_tranches_accepted",
            {R.ROUTED},
            R.OFFER_ACCEPTED,
            {S},
            effects=("close_open_parts",),
            notify={A, C},
        ),
        _t(
            "accept_partial_package",
            {R.ROUTED},
            R.OFFER_ACCEPTED,
            {C},
            reason=True,
            effects=("close_open_parts",),
            notify={A, C},
        ),
        _t("return_to_triage", {R.ROUTED}, R.TRIAGE, {S}, notify={C}),
        _t("approve", {R.OFFER_ACCEPTED}, R.APPROVED, {C}, guards=("single_approval",), notify={A, I}),
        _t(
            "propose_approval",
            {R.OFFER_ACCEPTED},
            R.OFFER_ACCEPTED,
            {C},
            guards=("maker_proposes",),
            notify={C},
        ),
        _t(
            "confirm_approval",
            {R.OFFER_ACCEPTED},
            R.APPROVED,
            {C},
            guards=("checker_confirms",),
            notify={A, I},
        ),
        _t("cancel_approval", {R.OFFER_ACCEPTED}, R.OFFER_ACCEPTED, {C}, True, guards=("proposal_pending",)),
        _t("record_funding", {R.APPROVED}, R.FUNDED, {I}, guards=("funds_own_tranche",), notify={A}),
        _t("close", {R.FUNDED}, R.CLOSED, {C, S}, notify={A}),
        _t("withdraw", OPEN_BEFORE_APPROVAL, R.WITHDRAWN, {A}, effects=ENDED, notify={A}),
        _t("expire", {R.INFO_REQUESTED, R.ROUTED}, R.EXPIRED, {S}, effects=ENDED, notify={A}),
    ]
}

F = ReferralStatus
REFERRAL_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("open", {F.SENT}, F.REVIEWING, {I}, effects=("disclose_to_institution",)),
        _t("request_info", {F.REVIEWING}, F.INFO_REQUESTED, {I}, reason=True, notify={A}),
        _t("provide_info", {F.INFO_REQUESTED}, F.REVIEWING, {A}, notify={I}),
        _t("offer", {F.REVIEWING}, F.OFFERED, {I}),
        _t("decline", set(LIVE_REFERRAL), F.DECLINED, {I}, effects=("reroute_if_stalled",)),
        _t("expire", set(LIVE_REFERRAL), F.EXPIRED, {S}, effects=("reroute_if_stalled",)),
        _t("withdraw", LIVE_REFERRAL | {F.OFFERED}, F.WITHDRAWN, {S}, notify={I}),
        _t("supersede", LIVE_REFERRAL | {F.OFFERED}, F.SUPERSEDED, {S}, notify={I}),
    ]
}

O = OfferStatus  # noqa: E741 - table shorthand
OFFER_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t(
            "accept",
            {O.OPEN},
            O.ACCEPTED,
            {A},
            effects=("claim_tranche", "take_capacity", "supersede_rivals", "complete_package"),
            notify={I},
        ),
        _t("withdraw", {O.OPEN}, O.WITHDRAWN, {I}, effects=("reroute_if_stalled",), notify={A}),
        _t("supersede", {O.OPEN}, O.SUPERSEDED, {S}, notify={I}),
        _t("expire", {O.OPEN}, O.EXPIRED, {S}, effects=("reroute_if_stalled",), notify={A}),
    ]
}

P = PackageStatus
# A major task's package (DESIGN §14): the coordinator drafts and proposes, the lead enterprise (its
# managers, as the applicant) submits it as a request or declines.
PACKAGE_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "propose", frozenset({P.DRAFT}), P.PROPOSED, frozenset({C}), effects=("tell_lead_managers",)
        ),
        Transition("confirm", frozenset({P.PROPOSED}), P.SUBMITTED, frozenset({A})),
        Transition("decline", frozenset({P.PROPOSED}), P.DECLINED, frozenset({A}), reason_required=True),
    ]
}

L = ClaimStatus
# DESIGN §10: the institution reports a default (the claim's creation, `report_default`); a coordinator
# approves it, by maker-checker when escalated (the request's rows and rules), or rejects it; then it is paid.
CLAIM_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t(
            "approve",
            {L.REPORTED},
            L.APPROVED,
            {C},
            guards=("single_approval",),
            effects=("claim_on_pool",),
            notify={I},
        ),
        _t("propose_approval", {L.REPORTED}, L.REPORTED, {C}, guards=("maker_proposes",), notify={C}),
        _t(
            "confirm_approval",
            {L.REPORTED},
            L.APPROVED,
            {C},
            guards=("checker_confirms",),
            effects=("claim_on_pool",),
            notify={I},
        ),
        _t("cancel_approval", {L.REPORTED}, L.REPORTED, {C}, True, guards=("proposal_pending",)),
        _t("reject", {L.REPORTED}, L.REJECTED, {C}, reason=True, notify={I}),
        _t("pay", {L.APPROVED}, L.PAID, {C}, effects=("pay_claim",), notify={I}),
    ]
}

TABLES_BY_OBJECT_TYPE = {
    "financing_request": REQUEST_TRANSITIONS,
    "referral": REFERRAL_TRANSITIONS,
    "offer": OFFER_TRANSITIONS,
    "loss_claim": CLAIM_TRANSITIONS,
}


def notified_topics(role: str) -> set[str]:
    """The transitions' outbox topics (`<object type>.<action>`, as the engine writes them) told to `role`."""
    return {
        f"{object_type}.{action}"
        for object_type, rows in TABLES_BY_OBJECT_TYPE.items()
        for action, row in rows.items()
        if role in row.notify
    }


REQUEST_TERMINAL = frozenset({R.CLOSED, R.REJECTED, R.WITHDRAWN, R.EXPIRED})
REFERRAL_TERMINAL = frozenset({F.DECLINED, F.EXPIRED, F.WITHDRAWN, F.SUPERSEDED})
OFFER_TERMINAL = frozenset({O.ACCEPTED, O.WITHDRAWN, O.SUPERSEDED, O.EXPIRED})
CLAIM_TERMINAL = frozenset({L.PAID, L.REJECTED})

# Which waiting stage (and so which deadlines) each status is in; statuses not listed wait on nobody.
REQUEST_STAGES: dict[str, str] = {
    R.TRIAGE: Stage.TRIAGE,
    R.INFO_REQUESTED: Stage.APPLICANT_ANSWER,
    R.ROUTED: Stage.OFFER_WINDOW,
    R.OFFER_ACCEPTED: Stage.APPROVAL,
}
REFERRAL_STAGES: dict[str, str] = {
    F.SENT: Stage.INSTITUTION_REVIEW,
    F.REVIEWING: Stage.INSTITUTION_REVIEW,
    F.INFO_REQUESTED: Stage.APPLICANT_ANSWER,
}
OFFER_STAGES: dict[str, str] = {O.OPEN: Stage.OFFER_VALIDITY}
CLAIM_STAGES: dict[str, str] = {}  # a claim's approval keeps no service-level time
PACKAGE_STAGES: dict[str, str] = {}  # no deadline waits on a package

# What happens at a stage's due time: expiry only where the tables above have an `expire` action.
STAGE_DEADLINE_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("financing_request", Stage.TRIAGE): (DeadlineKind.REMIND, DeadlineKind.ESCALATE),
    ("financing_request", Stage.APPLICANT_ANSWER): (DeadlineKind.REMIND, DeadlineKind.EXPIRE),
    ("financing_request", Stage.OFFER_WINDOW): (
        DeadlineKind.REMIND,
        DeadlineKind.ESCALATE,
        DeadlineKind.EXPIRE,
    ),
    ("financing_request", Stage.APPROVAL): (DeadlineKind.REMIND, DeadlineKind.ESCALATE),
    ("referral", Stage.INSTITUTION_REVIEW): (DeadlineKind.REMIND, DeadlineKind.ESCALATE, DeadlineKind.EXPIRE),
    ("referral", Stage.APPLICANT_ANSWER): (DeadlineKind.REMIND, DeadlineKind.EXPIRE),
    ("offer", Stage.OFFER_VALIDITY): (DeadlineKind.EXPIRE,),
}

DEFAULT_BUSINESS_DAYS: dict[str, int] = {
    Stage.TRIAGE: 3,
    Stage.INSTITUTION_REVIEW: 10,
    Stage.APPLICANT_ANSWER: 15,
    Stage.APPROVAL: 5,
    Stage.OFFER_WINDOW: 30,
}
