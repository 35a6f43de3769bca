"""The workflow in words: what each recorded action means, what a button for it says, and each status
by its label — for the admin's timeline and recent actions, and any page that shows the audit.

The tables (`tables.py`) hold action codes; an action missing here is shown by its code in plain
letters, so a new row never breaks a page (and the tests name the rows still to word).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..choices import ClaimStatus, OfferStatus, ReferralStatus, RequestStatus

# What happened, as the audit records it: (object type, action) → words.
EVENT_WORDS: dict[tuple[str, str], Promise] = {
    ("financing_request", "create"): _("draft created"),
    ("financing_request", "submit"): _("submitted"),
    ("financing_request", "screen_pass"): _("passed screening"),
    ("financing_request", "screen_fail"): _("failed screening: information missing"),
    ("financing_request", "resubmit"): _("resubmitted"),
    ("financing_request", "route"): _("routed to institutions"),
    ("financing_request", "request_info"): _("information requested from the applicant"),
    ("financing_request", "reject"): _("rejected"),
    ("financing_request", "all_tranches_accepted"): _("every tranche has an accepted offer"),
    ("financing_request", "accept_partial_package"): _("partial package accepted"),
    ("financing_request", "return_to_triage"): _("returned to triage for re-routing"),
    ("financing_request", "approve"): _("approved"),
    ("financing_request", "propose_approval"): _("approval proposed (maker)"),
    ("financing_request", "confirm_approval"): _("approval confirmed (checker)"),
    ("financing_request", "cancel_approval"): _("approval proposal cancelled"),
    ("financing_request", "record_funding"): _("funding recorded"),
    ("financing_request", "close"): _("closed"),
    ("financing_request", "withdraw"): _("withdrawn by the applicant"),
    ("financing_request", "expire"): _("expired"),
    ("financing_request", "extend_deadline"): _("deadlines extended"),
    ("referral", "route"): _("referral sent"),
    ("referral", "open"): _("opened by the institution"),
    ("referral", "request_info"): _("the institution asked for information"),
    ("referral", "provide_info"): _("the applicant answered"),
    ("referral", "offer"): _("offer made"),
    ("referral", "decline"): _("declined by the institution"),
    ("referral", "expire"): _("expired"),
    ("referral", "withdraw"): _("withdrawn"),
    ("referral", "supersede"): _("superseded by another offer"),
    ("offer", "make"): _("offer made"),
    ("offer", "accept"): _("accepted by the applicant"),
    ("offer", "withdraw"): _("withdrawn by the institution"),
    ("offer", "supersede"): _("superseded by another offer"),
    ("offer", "expire"): _("expired"),
    ("loss_claim", "report_default"): _("default reported by the institution"),
    ("loss_claim", "approve"): _("claim approved"),
    ("loss_claim", "propose_approval"): _("approval proposed (maker)"),
    ("loss_claim", "confirm_approval"): _("approval confirmed (checker)"),
    ("loss_claim", "cancel_approval"): _("approval proposal cancelled"),
    ("loss_claim", "reject"): _("claim rejected"),
    ("loss_claim", "pay"): _("claim paid"),
}

# What a button taking a request's action says.
REQUEST_ACTION_VERBS: dict[str, Promise] = {
    "submit": _("Submit"),
    "screen_pass": _("Pass screening"),
    "screen_fail": _("Fail screening"),
    "resubmit": _("Resubmit"),
    "route": _("Route"),
    "request_info": _("Request information"),
    "reject": _("Reject"),
    "all_tranches_accepted": _("Mark every tranche accepted"),
    "accept_partial_package": _("Accept partial package"),
    "return_to_triage": _("Return to triage"),
    "approve": _("Approve"),
    "propose_approval": _("Propose approval (maker)"),
    "confirm_approval": _("Confirm approval (checker)"),
    "cancel_approval": _("Cancel approval proposal"),
    "record_funding": _("Record funding"),
    "close": _("Close"),
    "withdraw": _("Withdraw"),
    "expire": _("Expire"),
    "pay": _("Pay"),
}

OBJECT_WORDS: dict[str, Promise] = {
    "financing_request": _("request"),
    "referral": _("referral"),
    "offer": _("offer"),
    "loss_claim": _("loss claim"),
}

STATUS_CHOICES = {
    "financing_request": RequestStatus,
    "referral": ReferralStatus,
    "offer": OfferStatus,
    "loss_claim": ClaimStatus,
}


def _plain(code: str) -> str:
    return code.replace("_", " ")


def event_words(object_type: str, action: str) -> str:
    return str(EVENT_WORDS.get((object_type, action)) or _plain(action))


def action_verb(action: str) -> str:
    return str(REQUEST_ACTION_VERBS.get(action) or _plain(action).capitalize())


def object_word(object_type: str) -> str:
    return str(OBJECT_WORDS.get(object_type) or _plain(object_type))


def status_label(object_type: str, status: str) -> str:
    """A status by its label ("待分诊" / "Triage"); the empty status before creation as "—"."""
    if not status:
        return "—"
    choices = STATUS_CHOICES.get(object_type)
    if choices is not None and status in choices.values:
        return str(choices(status).label)
    return _plain(status)
