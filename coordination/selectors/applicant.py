from dataclasses import dataclass

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from projects.models import Enterprise, MajorTask

from ..choices import DeadlineState
from ..models import (
    Deadline,
    Disclosure,
    FinancingRequest,
    Offer,
    Referral,
    RequestDocument,
    Tranche,
    TransitionEvent,
)
from .scoping import (
    HIDDEN_FROM_APPLICANT,
    EnterpriseMembers,
    User,
    applicant_reads_reason,
    coordinator_scope,
)
from .viewer import Viewer


def applicant_enterprises(user: User) -> QuerySet[Enterprise]:
    """The enterprises the user is a member of (its own, not those a coordinator oversees)."""
    if not user.is_authenticated:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(members=user).select_related("region").order_by("name", "pk")


def applicant_requests(user: User) -> QuerySet[FinancingRequest]:
    """The requests of the enterprises the user is a member of, newest first. Out of it is a 404 on the
    applicant's pages, whatever other role (institution, coordinator) the user holds."""
    if not user.is_authenticated:
        return FinancingRequest.objects.none()
    return (
        FinancingRequest.objects.filter(
            Exists(EnterpriseMembers.objects.filter(enterprise_id=OuterRef("enterprise_id"), user_id=user.pk))
        )
        .select_related("enterprise__region", "major_task")
        .order_by("-created_at", "-id")
    )


def applicant_major_tasks(user: User) -> QuerySet[MajorTask]:
    """The major tasks the user's enterprises lead or take part in (what a request may name)."""
    if not user.is_authenticated:
        return MajorTask.objects.none()
    own = Enterprise.objects.filter(members=user).values("pk")
    return MajorTask.objects.filter(
        pk__in=MajorTask.objects.filter(Q(lead_enterprise__in=own) | Q(participants__in=own)).values("pk")
    ).order_by("code")


@dataclass
class RequestParts:
    """A request's tranches, referrals, offers and documents, each read once, linked in memory."""

    tranches: list[Tranche]
    referrals: list[Referral]
    offers: list[Offer]
    documents: list[RequestDocument]


def applicant_request_parts(request: FinancingRequest) -> RequestParts:
    """Everything of one request its applicant reads (four queries, whatever the rows). Each part's
    `request` (and each offer's `referral`) is the loaded object, so the engine's checks read nothing more."""
    tranches = list(request.tranches.order_by("position"))
    referrals = list(
        Referral.objects.filter(request=request)
        .select_related("institution", "product")
        .order_by("tranche__position", "-score", "id")
    )
    by_id = {referral.pk: referral for referral in referrals}
    offers = list(Offer.objects.filter(request=request).order_by("created_at", "id"))
    for tranche in tranches:
        tranche.request = request
    for referral in referrals:
        referral.request = request
    for offer in offers:
        offer.request = request
        offer.referral = by_id[offer.referral_id]
    documents = list(request.documents.order_by("kind", "uploaded_at", "id"))
    return RequestParts(tranches, referrals, offers, documents)


def pending_deadlines(request_ids: list[int]) -> list[Deadline]:
    """The pending deadlines of these requests (every part's: the applicant reads them all), soonest first."""
    return list(
        Deadline.objects.filter(request_id__in=request_ids, state=DeadlineState.PENDING).order_by(
            "due_at", "id"
        )
    )


def applicant_events(request: FinancingRequest) -> list[TransitionEvent]:
    """The request's timeline as its applicant reads it (one query): every part's events, and only the
    reasons meant for the applicant (`applicant_reads_reason`); the others' words stay with them."""
    events = list(
        TransitionEvent.objects.filter(request=request)
        .exclude(object_type__in=HIDDEN_FROM_APPLICANT)
        .order_by("created_at", "id")
    )
    for event in events:
        if not applicant_reads_reason(f"{event.object_type}.{event.action}", event.actor_role):
            event.reason = ""
    return events


def applicant_viewer(user: User, request: FinancingRequest) -> Viewer:
    """The viewer for `engine.available_actions` on the applicant's page of a request it may see (one of
    `applicant_requests`): a member of its enterprise, with the coordinator scope already read for this
    user (a coordinator never acts as an applicant). Institution roles are left out: these pages offer
    only the applicant's actions."""
    return Viewer(user, coordinator_scope(user), frozenset({request.enterprise_id}), frozenset())


def disclosures_visible_to(user: User) -> QuerySet[Disclosure]:
    """The disclosure log of the user's own enterprises (DESIGN §1): an applicant reads who saw its data."""
    if not user.is_authenticated:
        return Disclosure.objects.none()
    return Disclosure.objects.filter(
        Exists(EnterpriseMembers.objects.filter(enterprise_id=OuterRef("enterprise_id"), user_id=user.pk))
    )
