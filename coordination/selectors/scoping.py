from collections.abc import Callable
from functools import cache
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.db.models import (
    Exists,
    OneToOneRel,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)

from config.prepared import Prepared, first
from lenders.models import Institution
from projects.credits.selectors import current_credit_prefetch, published_scores_prefetch
from projects.models import Enterprise, EnterpriseFinancials, InnovationCreditScore, MajorTask, Region
from projects.regions import covered_q, covers

from ..choices import Role
from ..models import (
    ApiToken,
    CoordinatorScope,
    Deadline,
    Delivery,
    EnterpriseJoinRequest,
    FinancingRequest,
    LossClaim,
    NotificationSetting,
    Offer,
    Referral,
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


def _scope_of(user_id: int, *, lock: bool) -> QuerySet[CoordinatorScope]:
    """The user's scope row as `.first()` reads it."""
    scopes = CoordinatorScope.objects.filter(user_id=user_id)
    return (scopes.select_for_update(of=("self",)) if lock else scopes).order_by("pk")[:1]


# Every action reads the actor's scope (`rules.current_scope`): compiled once (config/prepared.py).
_SCOPE = Prepared(lambda user_id: _scope_of(user_id, lock=False))
_LOCKED_SCOPE = Prepared(lambda user_id: _scope_of(user_id, lock=True))


def current_coordinator_scope(user: User, *, lock: bool = False) -> CoordinatorScope | None:
    """The scope as the database holds it now, not as an earlier read cached it on the user.

    With `lock` (inside a transaction) the row stays as read until the caller commits, so a power
    withdrawn or granted meanwhile waits for the action rather than racing it. The fresh value
    replaces the user's cached one, so every later check in the same action sees it too.
    """
    if not user.is_authenticated:
        return None
    scope = first((_LOCKED_SCOPE if lock else _SCOPE).rows(user.pk))
    if scope is not None and not scope.national:
        # A national scope covers every region: its list of regions is not read to judge one.
        prefetch_related_objects([scope], "regions")
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


def member_enterprise(user: User, enterprise_id: int) -> Enterprise | None:
    """An enterprise of which `user` is a member, loaded for its page (a fixed number of queries whatever
    its years, fields or members); None otherwise, whoever the user is (coordinators included: the
    enterprise's page is its members')."""
    if not user.is_authenticated:
        return None
    return (
        Enterprise.objects.filter(pk=enterprise_id, members=user)
        .select_related("region", "recommendation_consent")
        .prefetch_related(
            "fields",
            Prefetch("financials", queryset=EnterpriseFinancials.objects.order_by("-year")),
            published_scores_prefetch(),
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


def request_roles(
    request: FinancingRequest,
    scope: CoordinatorScope | None,
    *,
    is_member: Callable[[], bool],
    has_opened_referral: Callable[[], bool],
) -> set[str]:
    """The one rule for a user's roles on a request; the callers differ only in how they read the facts
    (a query each, or from what a `Viewer` loaded once), so the facts come as callables, read lazily."""
    roles: set[str] = set()
    if is_member():
        roles.add(Role.APPLICANT)
    if scope and scope_covers_region(scope, request.enterprise.region):
        roles.add(Role.COORDINATOR)
    if has_opened_referral():
        roles.add(Role.INSTITUTION)
    return roles


def claims_visible_to(user: User) -> QuerySet[LossClaim]:
    """DESIGN §10: a loss claim is its institution's and the coordinators' in scope (national: all); the
    SME whose loan defaulted does not see it."""
    if not user.is_authenticated:
        return LossClaim.objects.none()
    scope = coordinator_scope(user)
    if scope and scope.national:
        return LossClaim.objects.all()
    query = Q(
        Exists(
            Institution.members.through.objects.filter(
                institution_id=OuterRef("institution_id"), user_id=user.pk
            )
        )
    )
    if scope:
        query |= region_q(scope, "request__enterprise__region__code")
    return LossClaim.objects.filter(query)


def roles_on_claim(user: User, claim: LossClaim) -> set[str]:
    """The roles `user` holds towards a loss claim (never the applicant's); empty: out of their scope."""
    if not user.is_authenticated:
        return set()
    roles: set[str] = set()
    scope = coordinator_scope(user)
    if scope and scope_covers_region(scope, claim.request.enterprise.region):
        roles.add(Role.COORDINATOR)
    if claim.institution.members.filter(pk=user.pk).exists():
        roles.add(Role.INSTITUTION)
    return roles


def roles_on_request(user: User, request: FinancingRequest) -> set[str]:
    """The roles `user` holds towards this request; empty means it is out of their scope."""
    if not user.is_authenticated:
        return set()
    facts = cache(lambda: _membership_facts(user, request))
    return request_roles(
        request,
        coordinator_scope(user),
        is_member=lambda: facts()[0],
        has_opened_referral=lambda: facts()[1],
    )


def _membership_facts(user: User, request: FinancingRequest) -> tuple[bool, bool]:
    """Whether the user is a member of the request's enterprise, and has opened one of its referrals: one
    query for both, as every action on a request asks both."""
    user_id = cast(int, user.pk)  # signed in: `roles_on_request` answers anonymous users itself
    member, opened = first(_MEMBERSHIP_FACTS.rows(user_id, request.enterprise_id, request.pk)) or (
        False,
        False,
    )  # an account deleted meanwhile holds no role
    return member, opened


def _membership_facts_query(user_id: int, enterprise_id: int, request_id: int) -> QuerySet:
    return (
        Account.objects.filter(pk=user_id)
        .annotate(
            member=Exists(EnterpriseMembers.objects.filter(enterprise_id=enterprise_id, user_id=user_id)),
            opened=Exists(_opened_referrals_of(user_id).filter(request_id=request_id)),
        )
        .values_list("member", "opened")
        .order_by("pk")[:1]
    )


# Every action on a request asks it: compiled once (config/prepared.py).
_MEMBERSHIP_FACTS = Prepared(_membership_facts_query)


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


# The parts of a request its applicant never reads, not even that they exist (DESIGN §10: loss claims).
HIDDEN_FROM_APPLICANT = ("loss_claim",)


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
    if _reads_as_applicant(user, roles):
        events = events.exclude(object_type__in=HIDDEN_FROM_APPLICANT)
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


def credit_prefetches(prefix: str = "", version: str | None = None) -> list[Prefetch]:
    """What the enterprise payload's innovation credit reads: each one's current score (under `version`
    when one is asked for), once per page."""
    return [current_credit_prefetch(f"{prefix}credit_scores", version)]


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


def opened_referrals_of(user: User) -> QuerySet[Referral]:
    """The referrals of the user's institutions that they have opened: what discloses a request to them."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return _opened_referrals_of(user.pk)


def _opened_referrals_of(user_id: int) -> QuerySet[Referral]:
    return Referral.objects.filter(institution__members=user_id, opened_at__isnull=False)
