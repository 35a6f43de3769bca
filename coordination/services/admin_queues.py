"""Coordinators' work queues: which financing requests wait on a coordinator, and for what.

Reads only; the admin (and later the API) filter an already scoped queryset through `in_queue`, and the
console's dashboard counts every queue at once with `queue_counts`.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DeadlineKind, DeadlineState, RequestStatus
from ..models import Deadline, FinancingRequest, Referral
from ..workflow.tables import LIVE_REFERRAL, REQUEST_TERMINAL

TRIAGE = "triage"
AWAITING_APPROVAL = "awaiting_approval"
AWAITING_CONFIRMATION = "awaiting_confirmation"
ESCALATED = "escalated"
OVERDUE = "overdue"
NEEDS_REROUTING = "needs_rerouting"

QUEUES = {
    TRIAGE: _("Triage"),
    AWAITING_APPROVAL: _("Awaiting approval"),
    AWAITING_CONFIRMATION: _("Awaiting confirmation (second coordinator)"),
    ESCALATED: _("Escalated to national level"),
    OVERDUE: _("Overdue"),
    NEEDS_REROUTING: _("Needs re-routing"),
}


def _open() -> Q:
    return ~Q(status__in=REQUEST_TERMINAL)


def _overdue(now) -> Q:
    """Flagged overdue by the sweep, or past an escalation/expiry time the sweep has not handled yet."""
    late_deadline = Deadline.objects.filter(
        request=OuterRef("pk"),
        state=DeadlineState.PENDING,
        kind__in=[DeadlineKind.ESCALATE, DeadlineKind.EXPIRE],
        due_at__lte=now,
    )
    late_referral = Referral.objects.filter(request=OuterRef("pk"), overdue=True, status__in=LIVE_REFERRAL)
    return Q(overdue=True) | Q(Exists(late_deadline)) | Q(Exists(late_referral))


def _conditions(now) -> dict[str, Q]:
    return {
        TRIAGE: Q(status=RequestStatus.TRIAGE),
        AWAITING_APPROVAL: Q(status=RequestStatus.OFFER_ACCEPTED, approval_proposed_by__isnull=True),
        AWAITING_CONFIRMATION: Q(status=RequestStatus.OFFER_ACCEPTED, approval_proposed_by__isnull=False),
        ESCALATED: Q(escalated=True) & _open(),
        OVERDUE: _overdue(now) & _open(),
        NEEDS_REROUTING: Q(status=RequestStatus.TRIAGE, needs_rerouting=True),
    }


def in_queue(queryset: QuerySet[FinancingRequest], queue: str, *, now=None) -> QuerySet[FinancingRequest]:
    conditions = _conditions(now or timezone.now())
    if queue not in conditions:
        raise ValueError(f"Unknown queue {queue!r}")
    return queryset.filter(conditions[queue])


def queue_counts(queryset: QuerySet[FinancingRequest], *, now=None) -> dict[str, int]:
    """How many of an already scoped queryset's requests wait in each queue: one query, whatever their number.

    The same conditions as `in_queue`, so each count is the length of that queue's filtered list.
    """
    conditions = _conditions(now or timezone.now())
    counts = queryset.order_by().aggregate(
        **{queue: Count("pk", filter=condition) for queue, condition in conditions.items()}
    )
    return {queue: counts[queue] or 0 for queue in QUEUES}
