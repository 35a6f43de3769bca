"""Reads and scoping: what each user may see. Every list, detail, export and download goes through here."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from projects.models import Enterprise, Region

from .choices import Role
from .models import CoordinatorScope, FinancingRequest, Offer, Referral

User = AbstractBaseUser | AnonymousUser


def coordinator_scope(user: User) -> CoordinatorScope | None:
    if not user.is_authenticated:
        return None
    try:
        return user.coordinator_scope
    except CoordinatorScope.DoesNotExist:
        return None


def region_prefixes(scope: CoordinatorScope) -> list[str]:
    return [region.code_prefix for region in scope.regions.all()]


def region_q(scope: CoordinatorScope, field: str) -> Q:
    if scope.national:
        return Q()
    query = Q(pk__in=[])
    for prefix in region_prefixes(scope):
        query |= Q(**{f"{field}__startswith": prefix})
    return query


def scope_covers_region(scope: CoordinatorScope, region: Region) -> bool:
    return scope.national or any(region.code.startswith(prefix) for prefix in region_prefixes(scope))


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
    ids = (
        FinancingRequest.objects.filter(enterprise__members=user)
        .values("pk")
        .union(Referral.objects.filter(institution__members=user).values("request_id"))
    )
    query = Q(pk__in=ids)
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
    if request.referrals.filter(institution__members=user).exists():
        roles.add(Role.INSTITUTION)
    return roles


def roles_on_referral(user: User, referral: Referral) -> set[str]:
    roles = roles_on_request(user, referral.request) - {Role.INSTITUTION}
    if referral.institution.members.filter(pk=user.pk).exists():
        roles.add(Role.INSTITUTION)
    return roles
