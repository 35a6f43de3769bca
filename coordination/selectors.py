"""Reads and scoping: what each user may see. Every list, detail, export and download goes through here."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.db.models import (
    Case,
    Exists,
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
from projects.models import Enterprise, InnovationCreditScore, MajorTask, Region
from projects.regions import covered_q, covers

from .choices import DeadlineKind, DeadlineState, Role, TechSmeStatus
from .models import (
    ApiToken,
    CoordinatorScope,
    Deadline,
    Delivery,
    Disclosure,
    FinancingRequest,
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


def opened_referrals_of(user: User) -> QuerySet[Referral]:
    """The referrals of the user's institutions that they have opened: what discloses a request to them."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(institution__members=user.pk, opened_at__isnull=False)


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


def describe_user(user: Account) -> dict:
    """GET /api/v1/me/: who the caller is, in the roles of DESIGN.md §1."""
    enterprises = [
        {"id": e.pk, "name": e.name, "credit_code": e.credit_code, "region": e.region.code}
        for e in Enterprise.objects.filter(members=user).select_related("region")
    ]
    institution = user.institutions.first()
    scope = coordinator_scope(user)
    roles = []
    if scope:
        roles.append(Role.COORDINATOR.value)
    if institution:
        roles.append(Role.INSTITUTION.value)
    if enterprises:
        roles.append(Role.APPLICANT.value)
    role = "superuser" if user.is_superuser else (roles[0] if roles else "none")
    setting = getattr(user, "notification_setting", None)
    return {
        "username": user.get_username(),
        "role": role,
        "roles": roles,
        "enterprises": enterprises,
        "institution": {"id": institution.pk, "name": institution.name, "kind": institution.kind}
        if institution
        else None,
        "coordinator_scope": {"national": scope.national, "regions": [r.code for r in scope.regions.all()]}
        if scope
        else None,
        "language": setting.language if setting else "zh-hans",
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


def disclosures_visible_to(user: User) -> QuerySet[Disclosure]:
    """The disclosure log of the user's own enterprises (DESIGN §1): an applicant reads who saw its data."""
    if not user.is_authenticated:
        return Disclosure.objects.none()
    return Disclosure.objects.filter(
        Exists(EnterpriseMembers.objects.filter(enterprise_id=OuterRef("enterprise_id"), user_id=user.pk))
    )


# --- the teaser (DESIGN.md §1): what an institution reads of a referral it has not opened -------------


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


# What `referral_teaser` reads, for a queryset of referrals: constant queries whatever the number of rows.
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


# --- the institution's queue ----------------------------------------------------------------------


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
