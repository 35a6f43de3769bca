"""The workflow of DESIGN.md §3 held as data, so that a test can walk every (state, action) pair."""

from dataclasses import dataclass

from ..choices import DeadlineKind, OfferStatus, ReferralStatus, RequestStatus, Role, Stage

A, I, C, S = Role.APPLICANT, Role.INSTITUTION, Role.COORDINATOR, Role.SYSTEM  # noqa: E741 - table shorthand


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    reason_required: bool = False


def _t(action: str, sources: set[str], target: str, roles: set[str], reason: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), reason)


R = RequestStatus
OPEN_BEFORE_APPROVAL = {R.DRAFT, R.SCREENING, R.INFO_REQUESTED, R.TRIAGE, R.ROUTED, R.OFFER_ACCEPTED}

REQUEST_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", {R.DRAFT}, R.SCREENING, {A}),
        _t("screen_pass", {R.SCREENING}, R.TRIAGE, {S}),
        _t("screen_fail", {R.SCREENING}, R.INFO_REQUESTED, {S}),
        _t("resubmit", {R.INFO_REQUESTED}, R.SCREENING, {A}),
        _t("route", {R.TRIAGE}, R.ROUTED, {C}),
        _t("request_info", {R.TRIAGE}, R.INFO_REQUESTED, {C}, reason=True),
        _t("reject", {R.TRIAGE}, R.REJECTED, {C}, reason=True),
        _t("all_tranches_accepted", {R.ROUTED}, R.OFFER_ACCEPTED, {S}),
        _t("accept_partial_package", {R.ROUTED}, R.OFFER_ACCEPTED, {C}, reason=True),
        _t("return_to_triage", {R.ROUTED}, R.TRIAGE, {S}),
        _t("approve", {R.OFFER_ACCEPTED}, R.APPROVED, {C}),
        _t("propose_approval", {R.OFFER_ACCEPTED}, R.OFFER_ACCEPTED, {C}),
        _t("confirm_approval", {R.OFFER_ACCEPTED}, R.APPROVED, {C}),
        _t("cancel_approval", {R.OFFER_ACCEPTED}, R.OFFER_ACCEPTED, {C}, reason=True),
        _t("record_funding", {R.APPROVED}, R.FUNDED, {I}),
        _t("close", {R.FUNDED}, R.CLOSED, {C, S}),
        _t("withdraw", OPEN_BEFORE_APPROVAL, R.WITHDRAWN, {A}),
        _t("expire", {R.INFO_REQUESTED, R.ROUTED}, R.EXPIRED, {S}),
    ]
}

F = ReferralStatus
LIVE_REFERRAL = {F.SENT, F.REVIEWING, F.INFO_REQUESTED}
REFERRAL_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("open", {F.SENT}, F.REVIEWING, {I}),
        _t("request_info", {F.REVIEWING}, F.INFO_REQUESTED, {I}, reason=True),
        _t("provide_info", {F.INFO_REQUESTED}, F.REVIEWING, {A}),
        _t("offer", {F.REVIEWING}, F.OFFERED, {I}),
        _t("decline", LIVE_REFERRAL, F.DECLINED, {I}),
        _t("expire", LIVE_REFERRAL, F.EXPIRED, {S}),
        _t("withdraw", LIVE_REFERRAL | {F.OFFERED}, F.WITHDRAWN, {S}),
        _t("supersede", LIVE_REFERRAL | {F.OFFERED}, F.SUPERSEDED, {S}),
    ]
}

O = OfferStatus  # noqa: E741 - table shorthand
OFFER_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("accept", {O.OPEN}, O.ACCEPTED, {A}),
        _t("withdraw", {O.OPEN}, O.WITHDRAWN, {I}),
        _t("supersede", {O.OPEN}, O.SUPERSEDED, {S}),
        _t("expire", {O.OPEN}, O.EXPIRED, {S}),
    ]
}

REQUEST_TERMINAL = frozenset({R.CLOSED, R.REJECTED, R.WITHDRAWN, R.EXPIRED})
REFERRAL_TERMINAL = frozenset({F.DECLINED, F.EXPIRED, F.WITHDRAWN, F.SUPERSEDED})
OFFER_TERMINAL = frozenset({O.ACCEPTED, O.WITHDRAWN, O.SUPERSEDED, O.EXPIRED})

# Which waiting stage (and so which deadlines) each status is in; statuses not listed wait on nobody.
REQUEST_STAGES = {
    R.TRIAGE: Stage.TRIAGE,
    R.INFO_REQUESTED: Stage.APPLICANT_ANSWER,
    R.ROUTED: Stage.OFFER_WINDOW,
    R.OFFER_ACCEPTED: Stage.APPROVAL,
}
REFERRAL_STAGES = {
    F.SENT: Stage.INSTITUTION_REVIEW,
    F.REVIEWING: Stage.INSTITUTION_REVIEW,
    F.INFO_REQUESTED: Stage.APPLICANT_ANSWER,
}
OFFER_STAGES = {O.OPEN: Stage.OFFER_VALIDITY}

# What happens at a stage's due time: expiry only where the tables above have an `expire` action.
STAGE_DEADLINE_KINDS = {
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

DEFAULT_BUSINESS_DAYS = {
    Stage.TRIAGE: 3,
    Stage.INSTITUTION_REVIEW: 10,
    Stage.APPLICANT_ANSWER: 15,
    Stage.APPROVAL: 5,
    Stage.OFFER_WINDOW: 30,
}
