from django.conf import settings
from django.contrib.auth.models import User as Account

from projects.models import Enterprise

from ..choices import Role
from .scoping import User, coordinator_scope


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


def account_exists_with_email(email: str) -> bool:
    return Account.objects.filter(email__iexact=email.strip()).exists()
