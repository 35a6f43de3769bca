"""Reads and scoping: what each user may see. Every list, detail, export and download goes through here."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OneToOneRel,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from projects.credits.selectors import current_credit_prefetch, prefetched_current_credit_band
from projects.evaluation import evaluate_year, latest_financials, size_class_for_year
from projects.models import Enterprise, EnterpriseFinancials, InnovationCreditScore, MajorTask, Region
from projects.regions import covered_q, covers

from .choices import DeadlineKind, DeadlineState, Role, TechSmeStatus
from .models import (
    ApiToken,
    CoordinatorScope,
    Deadline,
    Delivery,
    Disclosure,
    EnterpriseJoinRequest,
    FinancingRequest,
    Notification,
    NotificationSetting,
    Offer,
    Referral,
    RequestDocument,
    Tranche,
    TransitionEvent,
    WebhookSubscription,
)

User = Account | AnonymousUser
EnterpriseMembers = Enterprise.members.through


def coordinator_scope(user: User) -> CoordinatorScope | None:
    if not user.is_authenticated:
        return None
    try:
        return user.coordinator_scope
    except CoordinatorScope.DoesNotExist:
        return None


def current_coordinator_scope(user: User, *, lock: bool = False) -> CoordinatorScope | None:
    """The scope as the database holds it now, not as an earlier read cached it on the user.

    With `lock` (inside a transaction) the row stays as read until the caller commits, so a power
    withdrawn or granted meanwhile waits for the action rather than racing it. The fresh value
    replaces the user's cached one, so every later check in the same action sees it too.
    """
    if not user.is_authenticated:
        return None
    scopes = CoordinatorScope.objects.filter(user_id=user.pk).prefetch_related("regions")
    scope = (scopes.select_for_update(of=("self",)) if lock else scopes).first()
    # The stubs' plugin types this reverse relation as its descriptor; Django returns the OneToOneRel.
    relation = cast(OneToOneRel, user._meta.get_field("coordinator_scope"))
    relation.set_cached_value(user, scope)
    return scope


def region_q(scope: CoordinatorScope, field: str) -> Q:
    return Q() if scope.national else covered_q(field, scope.regions.all())


def scope_covers_region(scope: CoordinatorScope, region: Region) -> bool:
    return scope.national or any(covers(own, region) for own in scope.regions.all())


def governs_region(user: User, region: Region | None) -> bool:
    """A coordinator's own configuration is its regions' overrides; the defaults (no region) are national."""
    scope = coordinator_scope(user)
    if scope is None:
        return False
    return scope.national if region is None else scope_covers_region(scope, region)


def regions_governed_by(user: User) -> QuerySet[Region]:
    scope = coordinator_scope(user)
    return Region.objects.filter(region_q(scope, "code")) if scope else Region.objects.none()


def enterprises_visible_to(user: User) -> QuerySet[Enterprise]:
    if not user.is_authenticated:
        return Enterprise.objects.none()
    scope = coordinator_scope(user)
    if scope and scope.national:
        return Enterprise.objects.all()
    query = Q(pk__in=Enterprise.objects.filter(members=user).values("pk"))
    if scope:
        query |= region_q(scope, "region__code")
    return Enterprise.objects.filter(query)


# --- enterprises' own people: members, managers and requests to join (DESIGN §1, the one rule) -------


def member_enterprise(user: User, enterprise_id: int) -> Enterprise | None:
    """An enterprise of which `user` is a member, loaded for its page (a fixed number of queries whatever
    its years, fields or members); None otherwise, whoever the user is (coordinators included: the
    enterprise's page is its members')."""
    if not user.is_authenticated:
        return None
    return (
        Enterprise.objects.filter(pk=enterprise_id, members=user)
        .select_related("region")
        .prefetch_related(
            "fields",
            Prefetch("financials", queryset=EnterpriseFinancials.objects.order_by("-year")),
            current_credit_prefetch(),
        )
        .first()
    )


def manages(user: User, enterprise: Enterprise) -> bool:
    return user.is_authenticated and enterprise.managers.filter(pk=user.pk).exists()


def enterprise_people(enterprise: Enterprise) -> list[tuple[Account, bool]]:
    """Its members, each with whether they manage it. One query."""
    manager_ids = Enterprise.managers.through.objects.filter(enterprise_id=enterprise.pk).values("user_id")
    members = (
        enterprise.members.annotate(is_manager=Exists(manager_ids.filter(user_id=OuterRef("pk"))))
        .order_by("username")
        .only("pk", "username", "first_name", "last_name")
    )
    return [(member, member.is_manager) for member in members]


def registered_enterprise(credit_code: str) -> Enterprise | None:
    """The enterprise registered under this (normalised) credit code, if any."""
    return Enterprise.objects.filter(credit_code=credit_code).first() if credit_code else None


def join_requests_visible_to(user: User) -> QuerySet[EnterpriseJoinRequest]:
    """A request to join is seen by its applicant, the enterprise's managers and superusers; by nobody else
    (coordinators included: they never grant memberships)."""
    if not user.is_authenticated:
        return EnterpriseJoinRequest.objects.none()
    if user.is_superuser:
        return EnterpriseJoinRequest.objects.all()
    managed = Enterprise.managers.through.objects.filter(user_id=user.pk).values("enterprise_id")
    return EnterpriseJoinRequest.objects.filter(Q(user_id=user.pk) | Q(enterprise_id__in=managed))


def pending_join_requests(enterprise: Enterprise) -> QuerySet[EnterpriseJoinRequest]:
    return (
        EnterpriseJoinRequest.objects.filter(
            enterprise=enterprise, status=EnterpriseJoinRequest.Status.PENDING
        )
        .select_related("user")
        .order_by("created_at", "id")
    )


def own_join_requests(user: User) -> QuerySet[EnterpriseJoinRequest]:
    """The user's own requests to join, newest first."""
    if not user.is_authenticated:
        return EnterpriseJoinRequest.objects.none()
    return (
        EnterpriseJoinRequest.objects.filter(user_id=user.pk)
        .select_related("enterprise")
        .order_by("-created_at", "-id")
    )


def requests_visible_to(user: User) -> QuerySet[FinancingRequest]:
    if not user.is_authenticated:
        return FinancingRequest.objects.none()
    scope = coordinator_scope(user)
    if scope and scope.national:
        return FinancingRequest.objects.all()
    # EXISTS rather than IN (… UNION …): the planner stops at the first match per row. An institution
    # reads the request (its applicant, documents, timeline) once it has opened a referral on it (DESIGN §1).
    query = Q(
        Exists(EnterpriseMembers.objects.filter(enterprise_id=OuterRef("enterprise_id"), user_id=user.pk))
    ) | Q(Exists(opened_referrals_of(user).filter(request_id=OuterRef("pk"))))
    if scope:
        query |= region_q(scope, "enterprise__region__code")
    return FinancingRequest.objects.filter(query)


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    if not user.is_authenticated:
        return Referral.objects.none()
    scope = coordinator_scope(user)
    if scope and scope.national:
        return Referral.objects.all()
    query = Q(institution__members=user) | Q(request__enterprise__members=user)
    if scope:
        query |= region_q(scope, "request__enterprise__region__code")
    return Referral.objects.filter(pk__in=Referral.objects.filter(query).values("pk"))


def offers_visible_to(user: User) -> QuerySet[Offer]:
    return Offer.objects.filter(referral__in=referrals_visible_to(user).values("pk"))


def roles_on_request(user: User, request: FinancingRequest) -> set[str]:
    """The roles `user` holds towards this request; empty means it is out of their scope."""
    if not user.is_authenticated:
        return set()
    roles: set[str] = set()
    if request.enterprise.members.filter(pk=user.pk).exists():
        roles.add(Role.APPLICANT)
    scope = coordinator_scope(user)
    if scope and scope_covers_region(scope, request.enterprise.region):
        roles.add(Role.COORDINATOR)
    if opened_referrals_of(user).filter(request=request).exists():
        roles.add(Role.INSTITUTION)
    return roles


@dataclass
class Viewer:
    """Who a user is, read once, so that the roles on many loaded objects cost no query each.

    Gives the same roles as `roles_on_request` / `roles_on_referral` for objects loaded with their
    request's enterprise and region; the API's payloads use it to list `available_actions`, and
    `sees_teaser_only` to decide what of a referral it shows.
    """

    user: User
    scope: CoordinatorScope | None
    enterprise_ids: frozenset[int]
    institution_ids: frozenset[int]
    _institution_request_ids: frozenset[int] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, user: User) -> "Viewer":
        if not user.is_authenticated:
            return cls(user, None, frozenset(), frozenset())
        return cls(
            user,
            current_coordinator_scope(user),
            frozenset(user.enterprises.values_list("pk", flat=True)),
            frozenset(user.institutions.values_list("pk", flat=True)),
        )

    def institution_request_ids(self) -> frozenset[int]:
        if self._institution_request_ids is None:
            self._institution_request_ids = frozenset(
                Referral.objects.filter(
                    institution_id__in=self.institution_ids, opened_at__isnull=False
                ).values_list("request_id", flat=True)
                if self.institution_ids
                else ()
            )
        return self._institution_request_ids

    def roles_on(self, obj: FinancingRequest | Referral | Offer) -> set[str]:
        if isinstance(obj, FinancingRequest):
            return self._roles_on_request(obj)
        institution_id = obj.institution_id if isinstance(obj, Referral) else obj.referral.institution_id
        roles = self._roles_on_request(obj.request) - {Role.INSTITUTION}
        if institution_id in self.institution_ids:
            roles.add(Role.INSTITUTION)
        return roles

    def _roles_on_request(self, request: FinancingRequest) -> set[str]:
        roles: set[str] = set()
        if request.enterprise_id in self.enterprise_ids:
            roles.add(Role.APPLICANT)
        scope = self.scope
        if scope and (scope.national or scope_covers_region(scope, request.enterprise.region)):
            roles.add(Role.COORDINATOR)
        if self.institution_ids and request.pk in self.institution_request_ids():
            roles.add(Role.INSTITUTION)
        return roles


def roles_on_referral(user: User, referral: Referral) -> set[str]:
    roles = roles_on_request(user, referral.request) - {Role.INSTITUTION}
    if user.is_authenticated and referral.institution.members.filter(pk=user.pk).exists():
        roles.add(Role.INSTITUTION)
    return roles


def is_applicant_only(user: User) -> bool:
    return (
        user.is_authenticated
        and not user.is_superuser
        and coordinator_scope(user) is None
        and not user.institutions.exists()
    )


def major_tasks_visible_to(user: Account) -> QuerySet[MajorTask]:
    scope = coordinator_scope(user)
    if scope and scope.national:
        return MajorTask.objects.all()
    enterprises = enterprises_visible_to(user).values("pk")
    query = Q(lead_enterprise__in=enterprises) | Q(participants__in=enterprises)
    institution_tasks = opened_referrals_of(user).values("request__major_task")
    return MajorTask.objects.filter(
        pk__in=MajorTask.objects.filter(query | Q(pk__in=institution_tasks)).values("pk")
    )


# Reasons written to the applicant; every other party's reason (an institution's decline note or offer
# withdrawal, a coordinator's routing or approval note, the system's bookkeeping) is internal to it.
REASONS_FOR_APPLICANT = frozenset(
    {
        "financing_request.screen_fail",  # what is missing
        "financing_request.request_info",
        "financing_request.reject",
        "financing_request.accept_partial_package",  # also on the request itself
        "referral.request_info",  # the institution's question, also on the referral
    }
)


def applicant_reads_reason(topic: str, actor_role: str | None) -> bool:
    """Whether an applicant reads the reason of an event `topic` ("object_type.action") taken by `actor_role`.

    The one rule for every view of the applicant: the API timeline, its notifications and webhooks, pages.
    """
    return topic in REASONS_FOR_APPLICANT or actor_role == Role.APPLICANT


def _parts_visible_to(user: Account, request: FinancingRequest, roles: set[str]) -> Q | None:
    """Which of the request's parts (the request, its referrals, their offers) `user` reads; None: all.

    An institution reads the request and its own referrals and offers, never a rival's (their events,
    deadlines, reasons).
    """
    if user.is_superuser or roles & {Role.COORDINATOR, Role.APPLICANT}:
        return None
    own_referrals = list(request.referrals.filter(institution__members=user).values_list("pk", flat=True))
    own_offers = list(Offer.objects.filter(referral__in=own_referrals).values_list("pk", flat=True))
    return (
        Q(object_type="financing_request")
        | Q(object_type="referral", object_id__in=own_referrals)
        | Q(object_type="offer", object_id__in=own_offers)
    )


def _reads_as_applicant(user: User, roles: set[str]) -> bool:
    return Role.APPLICANT in roles and Role.COORDINATOR not in roles and not user.is_superuser


def events_visible_to(user: Account, request: FinancingRequest) -> list[TransitionEvent]:
    """The request's timeline as this user may see it: its own parts, and only the reasons meant for it."""
    roles = roles_on_request(user, request)
    events = (
        TransitionEvent.objects.filter(request=request).select_related("actor").order_by("created_at", "id")
    )
    parts = _parts_visible_to(user, request, roles)
    visible = list(events if parts is None else events.filter(parts))
    if _reads_as_applicant(user, roles):
        for event in visible:
            if not applicant_reads_reason(f"{event.object_type}.{event.action}", event.actor_role):
                event.reason = ""
    return visible


def deadlines_visible_to(user: Account, request: FinancingRequest) -> QuerySet[Deadline]:
    """The request's deadlines this user may see: a rival institution's referral and offer dates are not."""
    deadlines = Deadline.objects.filter(request=request).order_by("due_at", "id")
    parts = _parts_visible_to(user, request, roles_on_request(user, request))
    return deadlines if parts is None else deadlines.filter(parts)


def webhooks_visible_to(user: User) -> QuerySet[WebhookSubscription]:
    if not user.is_authenticated:
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(
        Q(enterprise__members=user) | Q(institution__members=user) | Q(coordinator=user)
    ).distinct()


def credit_prefetches(prefix: str = "") -> list[Prefetch]:
    """What the enterprise payload's innovation credit reads: each one's current score, once per page."""
    return [current_credit_prefetch(f"{prefix}credit_scores")]


def _ordered_roles(*, coordinator: bool, institution: bool, applicant: bool) -> list[str]:
    """The roles of DESIGN.md §1 a user holds, the one that decides its home first."""
    held = ((coordinator, Role.COORDINATOR), (institution, Role.INSTITUTION), (applicant, Role.APPLICANT))
    return [role.value for holds, role in held if holds]


def _main_role(user: User, roles: list[str]) -> str:
    return "superuser" if user.is_superuser else (roles[0] if roles else "none")


def roles_of(user: User) -> list[str]:
    """The roles the user holds, main one first (coordinator, institution, applicant), as GET /api/v1/me/
    lists them."""
    if not user.is_authenticated:
        return []
    return _ordered_roles(
        coordinator=coordinator_scope(user) is not None,
        institution=user.institutions.exists(),
        applicant=user.enterprises.exists(),
    )


def main_role(user: User) -> str:
    """The user's main role, as GET /api/v1/me/ gives it: "superuser", a role of DESIGN.md §1, or "none".
    The pages send each user to the home of this role."""
    return _main_role(user, roles_of(user)) if user.is_authenticated else "none"


def describe_user(user: Account) -> dict:
    """GET /api/v1/me/: who the caller is, in the roles of DESIGN.md §1."""
    enterprises = [
        {"id": e.pk, "name": e.name, "credit_code": e.credit_code, "region": e.region.code}
        for e in Enterprise.objects.filter(members=user).select_related("region")
    ]
    institution = user.institutions.first()
    scope = coordinator_scope(user)
    roles = _ordered_roles(
        coordinator=scope is not None, institution=institution is not None, applicant=bool(enterprises)
    )
    return {
        "username": user.get_username(),
        "role": _main_role(user, roles),
        "roles": roles,
        "enterprises": enterprises,
        "institution": {"id": institution.pk, "name": institution.name, "kind": institution.kind}
        if institution
        else None,
        "coordinator_scope": {"national": scope.national, "regions": [r.code for r in scope.regions.all()]}
        if scope
        else None,
        "language": language_for(user),
    }


def coordinator_scopes_visible_to(user: User) -> QuerySet[CoordinatorScope]:
    """A coordinator reads its own scope; only superusers see (and grant) the others."""
    return (
        CoordinatorScope.objects.filter(user_id=user.pk)
        if user.is_authenticated
        else CoordinatorScope.objects.none()
    )


def api_tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """Tokens are their owner's alone: nobody else sees that one exists."""
    return ApiToken.objects.filter(user_id=user.pk) if user.is_authenticated else ApiToken.objects.none()


def notification_settings_visible_to(user: User) -> QuerySet[NotificationSetting]:
    if not user.is_authenticated:
        return NotificationSetting.objects.none()
    return NotificationSetting.objects.filter(user_id=user.pk)


def deliveries_visible_to(user: User) -> QuerySet[Delivery]:
    """Deliveries addressed to the user or to a webhook of a party the user belongs to."""
    if not user.is_authenticated:
        return Delivery.objects.none()
    return Delivery.objects.filter(
        Q(user_id=user.pk) | Q(subscription__in=webhooks_visible_to(user).values("pk"))
    )


def credit_scores_visible_to(user: User) -> QuerySet[InnovationCreditScore]:
    return InnovationCreditScore.objects.filter(enterprise__in=enterprises_visible_to(user).values("pk"))


# --- the pages' reads (accounts, header, SME home) ---------------------------------------------------


def stored_language(user: User) -> str | None:
    """The language the user chose (DESIGN.md §13), kept with their notification settings; None if never."""
    if not user.is_authenticated:
        return None
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError: getattr's default.
    setting = getattr(user, "notification_setting", None)
    if setting is None or setting.language not in dict(settings.LANGUAGES):
        return None
    return setting.language


def language_for(user: User) -> str:
    """The language to write to this user in (e-mails, notifications): their choice, else the default."""
    return stored_language(user) or settings.LANGUAGE_CODE


# --- the inbox (/inbox/) ------------------------------------------------------------------------------


def notifications_visible_to(user: User) -> QuerySet[Notification]:
    """A user's notifications are their own alone: anyone else's is out of scope (404)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk)


def unread_notification_count(user: User) -> int:
    """The header's badge: one COUNT on the (user, read_at) index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


# --- the applicant's pages (/sme/): members of an enterprise read its requests and their parts ------


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


def account_exists_with_email(email: str) -> bool:
    return Account.objects.filter(email__iexact=email.strip()).exists()


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


def unread_notifications(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return user.notifications.filter(read_at__isnull=True).count()


def applicant_events(request: FinancingRequest) -> list[TransitionEvent]:
    """The request's timeline as its applicant reads it (one query): every part's events, and only the
    reasons meant for the applicant (`applicant_reads_reason`); the others' words stay with them."""
    events = list(TransitionEvent.objects.filter(request=request).order_by("created_at", "id"))
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


def inbox_for(user: User) -> QuerySet[Notification]:
    """The inbox: unread first, then newest; each row with its request and the payload the user was sent.

    `sent_payload` is the inbox delivery's payload (what this user's audience was sent, reasons not meant
    for it already removed), so the page can say what happened in the reader's language today; it is None
    for a notification that did not come through the relay.
    """
    sent = Delivery.objects.filter(key=OuterRef("delivery_key")).values("payload")[:1]
    return (
        notifications_visible_to(user)
        .select_related("request")
        .annotate(
            unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()),
            sent_payload=Subquery(sent),
        )
        .order_by("-unread", "-created_at", "-id")
    )


@dataclass(frozen=True)
class NotificationTarget:
    """The page a notification leads its reader to: the role it reads it in and that page's key."""

    role: str
    key: str | int


def notification_targets(user: User, notifications: list[Notification]) -> dict[int, NotificationTarget]:
    """Where each notification of a page leads this user, in a fixed number of queries.

    A member of the request's enterprise goes to the request (by reference); a member of an institution to
    its own referral (the notification's referral, the offer's referral, or its referral on that request);
    a coordinator to the request in the console. A notification that fits none has no target.
    """
    if not user.is_authenticated or not notifications:
        return {}
    request_ids = {n.request_id for n in notifications if n.request_id}
    own_enterprises = set(
        EnterpriseMembers.objects.filter(user_id=user.pk).values_list("enterprise_id", flat=True)
    )
    own_referrals: dict[int, int] = {}  # referral id -> request id
    first_referral: dict[int, int] = {}  # request id -> the user's institution's first referral on it
    for pk, request_id in (
        Referral.objects.filter(request_id__in=request_ids, institution__members=user)
        .order_by("pk")
        .values_list("pk", "request_id")
    ):
        own_referrals[pk] = request_id
        first_referral.setdefault(request_id, pk)
    offer_ids = {
        payload.get("object_id")
        for n in notifications
        if (payload := getattr(n, "sent_payload", None) or {}).get("object_type") == "offer"
        and payload.get("object_id") is not None
    }
    offer_referral = (
        dict(
            Offer.objects.filter(pk__in=offer_ids, referral_id__in=list(own_referrals)).values_list(
                "pk", "referral_id"
            )
        )
        if offer_ids and own_referrals
        else {}
    )
    coordinator = user.is_staff and coordinator_scope(user) is not None
    targets: dict[int, NotificationTarget] = {}
    for notification in notifications:
        request = notification.request
        if request is None:
            continue
        payload = getattr(notification, "sent_payload", None) or {}
        object_type, object_id = payload.get("object_type"), payload.get("object_id")
        if request.enterprise_id in own_enterprises:
            targets[notification.pk] = NotificationTarget(Role.APPLICANT, request.reference)
            continue
        referral_id: int | None = None
        if object_type == "referral" and object_id in own_referrals:
            referral_id = object_id
        elif object_type == "offer" and object_id is not None:
            referral_id = offer_referral.get(object_id)
        referral_id = referral_id or first_referral.get(request.pk)
        if referral_id:
            targets[notification.pk] = NotificationTarget(Role.INSTITUTION, referral_id)
        elif coordinator:
            targets[notification.pk] = NotificationTarget(Role.COORDINATOR, request.pk)
    return targets


def opened_referrals_of(user: User) -> QuerySet[Referral]:
    """The referrals of the user's institutions that they have opened: what discloses a request to them."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(institution__members=user.pk, opened_at__isnull=False)


def disclosures_visible_to(user: User) -> QuerySet[Disclosure]:
    """The disclosure log of the user's own enterprises (DESIGN §1): an applicant reads who saw its data."""
    if not user.is_authenticated:
        return Disclosure.objects.none()
    return Disclosure.objects.filter(
        Exists(EnterpriseMembers.objects.filter(enterprise_id=OuterRef("enterprise_id"), user_id=user.pk))
    )


def sees_teaser_only(viewer: Viewer, referral: Referral) -> bool:
    """The one rule: until its institution opens a referral, the institution's people read the anonymised
    teaser only (`referral_teaser`): no name, credit code, documents or financials. Coordinators and the
    applicant itself always read the full referral. `teaser_only_q` is the same rule as a filter."""
    return (
        referral.opened_at is None
        and viewer.scope is None
        and referral.institution_id in viewer.institution_ids
        and referral.request.enterprise_id not in viewer.enterprise_ids
    )


def teaser_only_q(viewer: Viewer) -> Q:
    """`sees_teaser_only` as a filter on referrals: the rows `viewer` reads as a teaser only."""
    if viewer.scope is not None or not viewer.institution_ids:
        return Q(pk__in=[])
    return Q(opened_at__isnull=True, institution_id__in=viewer.institution_ids) & ~Q(
        request__enterprise_id__in=viewer.enterprise_ids
    )


@dataclass(frozen=True)
class Teaser:
    """A referral as the anonymised teaser shows it: where, what field and stage, how big, what is asked."""

    province_code: str
    province: str
    fields: list[tuple[str, str]]  # (code, name)
    stage: str
    size_class: str | None
    amount: Decimal  # the whole request
    tranche_amount: Decimal
    term_months: int
    instruments: list[str]  # every tranche's, in order
    innovation_credit_band: str | None
    tech_sme_status: str

    @property
    def field_codes(self) -> list[str]:
        return [code for code, _name in self.fields]


TEASER_SELECT = ("tranche", "request__enterprise__region__parent__parent")


TEASER_PREFETCH = (
    "request__tranches",
    "request__enterprise__fields",
    "request__enterprise__financials",
)


def with_teaser_data(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related(*TEASER_SELECT).prefetch_related(
        *TEASER_PREFETCH, current_credit_prefetch("request__enterprise__credit_scores")
    )


def province_of(region: Region) -> Region:
    """The province-level region containing `region` (GB/T 2260: "xx0000"), from its loaded parents."""
    province_code = region.code[:2] + "0000"
    node: Region | None = region
    while node is not None:
        if node.code == province_code:
            return node
        node = node.parent if node.parent_id else None
    # Only on incomplete reference data: never show a finer place than the province.
    return Region.objects.filter(code=province_code).first() or Region(code=province_code, name=province_code)


def tech_sme_status(enterprise: Enterprise) -> str:
    """Registered tech-SME, meets the criteria on its latest financials without registration, or neither."""
    if enterprise.tech_sme_registration_no:
        return TechSmeStatus.REGISTERED
    latest = latest_financials(enterprise)
    if latest is not None:
        latest.enterprise = enterprise
        if evaluate_year(latest).qualified:
            return TechSmeStatus.QUALIFIES
    return TechSmeStatus.NO


def size_class_of(enterprise: Enterprise) -> str | None:
    latest = latest_financials(enterprise)
    if latest is None:
        return None
    latest.enterprise = enterprise
    return size_class_for_year(latest).value


def referral_teaser(referral: Referral) -> Teaser:
    """The teaser of DESIGN §1, the same for the API and the pages (load rows with `with_teaser_data`)."""
    request = referral.request
    enterprise = request.enterprise
    province = province_of(enterprise.region)
    return Teaser(
        province_code=province.code,
        province=province.name,
        fields=[(f.code, f.name) for f in enterprise.fields.all()],
        stage=enterprise.stage,
        size_class=size_class_of(enterprise),
        amount=request.amount,
        tranche_amount=referral.tranche.amount,
        term_months=request.term_months,
        instruments=[t.instrument for t in sorted(request.tranches.all(), key=lambda t: t.position)],
        innovation_credit_band=prefetched_current_credit_band(enterprise),
        tech_sme_status=tech_sme_status(enterprise),
    )


def institution_referrals(user: User) -> QuerySet[Referral]:
    """The referrals routed to the user's institutions: what the institution pages list and show.

    Coordinators never act as an institution (DESIGN §1), so a coordinator gets none."""
    if not user.is_authenticated or coordinator_scope(user) is not None:
        return Referral.objects.none()
    return Referral.objects.filter(institution__members=user).select_related(
        "institution", "product", "request"
    )


def referral_queue(user: User, *, now: datetime) -> QuerySet[Referral]:
    """The user's institution's referrals by deadline: overdue first, then the nearest due, then the rest
    (decided referrals, which wait on nobody), newest first. Each row carries `due_at` (its stage's
    pending due time, or None) and `is_overdue`."""
    due = (
        Deadline.objects.filter(
            object_type="referral",
            object_id=OuterRef("pk"),
            state=DeadlineState.PENDING,
            kind__in=[DeadlineKind.ESCALATE, DeadlineKind.EXPIRE],
        )
        .values("object_id")
        .annotate(due=Min("due_at"))
        .values("due")
    )
    return (
        institution_referrals(user)
        .annotate(due_at=Subquery(due[:1]))
        .annotate(
            is_overdue=Case(
                When(Q(overdue=True) | Q(due_at__lt=now), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-is_overdue", F("due_at").asc(nulls_last=True), "-created_at", "-id")
    )
