"""Reads for an institution's managers (DESIGN §1, §9): the institution they manage, its team, its catalogue.

A coordinator manages no institution (coordinators never act as one), whatever memberships it holds; a
manager is always a member too (coordination/services/institutions.py keeps it so, and this asks both)."""

from django.contrib.auth.models import User as Account
from django.db.models import Exists, OuterRef, Q, QuerySet

from lenders.models import Institution, Product

from .scoping import User, coordinator_scope


def _managed_q(user: User) -> Q:
    if not user.is_authenticated or coordinator_scope(user) is not None:
        return Q(pk__in=[])
    return Q(pk__in=Institution.objects.filter(members=user, managers=user).values("pk"))


def managed_institution(user: User) -> Institution | None:
    """The institution whose team and catalogue `user` keeps (the first by name if several), or None."""
    return Institution.objects.filter(_managed_q(user)).order_by("name", "pk").first()


def manages_an_institution(user: User) -> bool:
    return Institution.objects.filter(_managed_q(user)).exists()


def institution_team(institution: Institution) -> list[tuple[Account, bool]]:
    """Its members, each with whether they manage it. One query."""
    manager_ids = Institution.managers.through.objects.filter(institution_id=institution.pk).values("user_id")
    members = (
        institution.members.annotate(is_manager=Exists(manager_ids.filter(user_id=OuterRef("pk"))))
        .order_by("username")
        .only("pk", "username", "first_name", "last_name", "email")
    )
    return [(member, member.is_manager) for member in members]


def catalogue_products(institution: Institution) -> QuerySet[Product]:
    """The institution's products with their eligible fields and regions, active ones first."""
    return (
        Product.objects.filter(institution=institution)
        .select_related("institution")
        .prefetch_related("fields", "regions")
        .order_by("-is_active", "name", "pk")
    )
