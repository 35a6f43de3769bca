from django.db import models
from django.utils.translation import gettext_lazy as _


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
