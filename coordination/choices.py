from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    INSTITUTION = "institution", _("Institution reviewer")
    COORDINATOR = "coordinator", _("Coordinator")
    SYSTEM = "system", _("System")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCREENING = "screening", _("Screening")
    INFO_REQUESTED = "info_requested", _("Information requested")
    TRIAGE = "triage", _("Triage")
    ROUTED = "routed", _("Routed")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    APPROVED = "approved", _("Approved")
    FUNDED = "funded", _("Funded")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    REVIEWING = "reviewing", _("Reviewing")
    INFO_REQUESTED = "info_requested", _("Information requested")
    OFFERED = "offered", _("Offered")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")
    EXPIRED = "expired", _("Expired")


class DeclineReason(models.TextChoices):
    OUTSIDE_APPETITE = "outside_appetite", _("Outside risk appetite")
    INSUFFICIENT_CREDIT = "insufficient_credit", _("Insufficient credit")
    INCOMPLETE_DOCUMENTS = "incomplete_documents", _("Incomplete documents")
    NO_CAPACITY = "no_capacity", _("No capacity left")
    TERMS_MISMATCH = "terms_mismatch", _("Amount or term does not fit")
    OTHER = "other", _("Other")


class TechSmeStatus(models.TextChoices):
    """An enterprise's tech-SME standing as the referral teaser shows it (DESIGN §1)."""

    REGISTERED = "registered", _("Registered tech-SME")
    QUALIFIES = "qualifies", _("Meets the tech-SME criteria, not registered")
    NO = "no", _("Not a tech-SME")


class Stage(models.TextChoices):
    """Waiting stages that carry a service-level time (DESIGN.md §4)."""

    TRIAGE = "triage", _("Coordinator triage")
    INSTITUTION_REVIEW = "institution_review", _("Institution review")
    APPLICANT_ANSWER = "applicant_answer", _("Applicant answer")
    OFFER_WINDOW = "offer_window", _("Offers and acceptance")
    APPROVAL = "approval", _("Approval")
    OFFER_VALIDITY = "offer_validity", _("Offer validity")


class DeadlineKind(models.TextChoices):
    REMIND = "remind", _("Reminder")
    ESCALATE = "escalate", _("Escalation")
    EXPIRE = "expire", _("Expiry")


class DeadlineState(models.TextChoices):
    PENDING = "pending", _("Pending")
    FIRED = "fired", _("Fired")
    CANCELLED = "cancelled", _("Cancelled")


class DocumentKind(models.TextChoices):
    BUSINESS_PLAN = "business_plan", _("Business plan")
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements")
    IP_CERTIFICATES = "ip_certificates", _("IP certificates")
    OTHER = "other", _("Other")


class ObjectType(models.TextChoices):
    """What the workflow moves (TransitionEvent.object_type, Deadline.object_type, topic prefixes)."""

    FINANCING_REQUEST = "financing_request", _("financing request")
    REFERRAL = "referral", _("referral")
    OFFER = "offer", _("offer")
    LOSS_CLAIM = "loss_claim", _("loss claim")
    FINANCING_PACKAGE = "financing_package", _("financing package")


class ClaimStatus(models.TextChoices):
    """A claim on a risk-compensation pool after a default (DESIGN §10)."""

    REPORTED = "reported", _("Reported")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


class Action(models.TextChoices):
    """Every action of the workflow's tables and the audited decisions beside them, in words."""

    CREATE = "create", pgettext_lazy("workflow action", "Create")
    SUBMIT = "submit", pgettext_lazy("workflow action", "Submit")
    SCREEN_PASS = "screen_pass", pgettext_lazy("workflow action", "Pass screening")
    SCREEN_FAIL = "screen_fail", pgettext_lazy("workflow action", "Fail screening")
    RESUBMIT = "resubmit", pgettext_lazy("workflow action", "Resubmit")
    ROUTE = "route", pgettext_lazy("workflow action", "Route to institutions")
    REQUEST_INFO = "request_info", pgettext_lazy("workflow action", "Request information")
    PROVIDE_INFO = "provide_info", pgettext_lazy("workflow action", "Provide information")
    REJECT = "reject", pgettext_lazy("workflow action", "Reject")
    ALL_TRANCHES_ACCEPTED = "all_tranches_accepted", pgettext_lazy("workflow action", "All tranches accepted")
    ACCEPT_PARTIAL_PACKAGE = (
        "accept_partial_package",
        pgettext_lazy("workflow action", "Accept a partial package"),
    )
    RETURN_TO_TRIAGE = "return_to_triage", pgettext_lazy("workflow action", "Return to triage")
    APPROVE = "approve", pgettext_lazy("workflow action", "Approve")
    PROPOSE_APPROVAL = "propose_approval", pgettext_lazy("workflow action", "Propose approval")
    CONFIRM_APPROVAL = "confirm_approval", pgettext_lazy("workflow action", "Confirm approval")
    CANCEL_APPROVAL = "cancel_approval", pgettext_lazy("workflow action", "Cancel the approval proposal")
    RECORD_FUNDING = "record_funding", pgettext_lazy("workflow action", "Record funding")
    CLOSE = "close", pgettext_lazy("workflow action", "Close")
    WITHDRAW = "withdraw", pgettext_lazy("workflow action", "Withdraw")
    EXPIRE = "expire", pgettext_lazy("workflow action", "Expire")
    OPEN = "open", pgettext_lazy("workflow action", "Open")
    OFFER = "offer", pgettext_lazy("workflow action", "Make an offer")
    MAKE = "make", pgettext_lazy("workflow action", "Offer made")
    DECLINE = "decline", pgettext_lazy("workflow action", "Decline")
    ACCEPT = "accept", pgettext_lazy("workflow action", "Accept")
    SUPERSEDE = "supersede", pgettext_lazy("workflow action", "Supersede")
    EXTEND_DEADLINE = "extend_deadline", pgettext_lazy("workflow action", "Extend the deadline")
    PROPOSE = "propose", pgettext_lazy("workflow action", "Propose to the lead enterprise")
    CONFIRM = "confirm", pgettext_lazy("workflow action", "Confirm and submit")
    REPORT_DEFAULT = "report_default", pgettext_lazy("workflow action", "Report a default")
    PAY = "pay", pgettext_lazy("workflow action", "Pay")


def label_of(choices: type[models.TextChoices], value: str | None) -> str:
    """The label of `value` among `choices` in the active language; the value itself when unknown."""
    if not value:
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def lower_first(text: str) -> str:
    """A label inside a sentence: "Reject" -> "reject" (no change for Chinese)."""
    return text[:1].lower() + text[1:]


class ProgrammeKind(models.TextChoices):
    """Policy programme kinds (DESIGN §10; the codes are a contract)."""

    INTEREST_SUBSIDY = "interest_subsidy", _("Interest subsidy")
    GUARANTEE_FEE_SUBSIDY = "guarantee_fee_subsidy", _("Guarantee-fee subsidy")
    INSURANCE_PREMIUM_SUBSIDY = "insurance_premium_subsidy", _("Insurance-premium subsidy")
    RISK_COMPENSATION = "risk_compensation", _("Risk compensation")
    RELENDING = "relending", _("Re-lending")


class IssuerLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District pilot")


class LedgerMovement(models.TextChoices):
    """A movement on a policy programme's budget (DESIGN §10)."""

    COMMIT = "commit", _("Commitment")
    RELEASE = "release", _("Release")
    CLAIM = "claim", _("Claim")
    PAY = "pay", _("Payment")
    REFUSED = "refused", _("Refused: over the budget")


class SimulationStatus(models.TextChoices):
    """A policy simulation's run (DESIGN §10 "Incremental policy")."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PackageStatus(models.TextChoices):
    """A major task's financing package (DESIGN §14): drafted by a coordinator, proposed to the task's lead
    enterprise, which submits it as its own request or declines it."""

    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed to the lead enterprise")
    SUBMITTED = "submitted", _("Submitted as a request")
    DECLINED = "declined", _("Declined by the lead enterprise")


class ListStatus(models.TextChoices):
    """A recommendation list's life (DESIGN §14): drafted, published to institutions, closed."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class FollowUpStatus(models.TextChoices):
    """An institution's follow-up on a list entry, from opening it to its outcome."""

    OPENED = "opened", _("Opened")
    CONTACTED = "contacted", _("Contacted")
    IN_REVIEW = "in_review", _("In review")
    FINANCED = "financed", _("Financed")
    DECLINED = "declined", _("Declined")
