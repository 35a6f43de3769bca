"""The package's transitions (tables.PACKAGE_TRANSITIONS): the same checks as the engine's — scope, role,
state, reason — and an append-only event for each change, in the caller's transaction (the caller locks
the package first). A package has no request until the lead enterprise submits it, so its audit is its
own (`PackageEvent`); the request it becomes is audited by the engine from then on."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..choices import Action, PackageStatus, Role, label_of, lower_first
from ..errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from ..models import FinancingPackage, Notification, PackageEvent
from .tables import PACKAGE_TRANSITIONS, Transition


def check_package(
    package: FinancingPackage, action: str, user, reason: str = "", roles: set[str] | None = None
) -> tuple[Transition, str]:
    """Everything but the change; raises on the first miss (out of scope: not found). `roles`, read once
    for many packages (selectors.PackageViewer), stands in for the roles read here otherwise."""
    if roles is None:
        roles = selectors.roles_on_package(user, package)
    if not roles:
        raise NotFound()
    spec = PACKAGE_TRANSITIONS.get(action)
    if spec is None:
        raise ValidationFailed(
            gettext("Unknown action “%(action)s” for a package.") % {"action": action},
            fields={"action": [gettext("unknown")]},
        )
    allowed = [role for role in (Role.COORDINATOR, Role.APPLICANT) if role in roles & spec.roles]
    if not allowed:
        raise PermissionDenied(
            gettext("Only %(roles)s may %(action)s this package.")
            % {
                "roles": gettext(", ").join(sorted(lower_first(label_of(Role, r)) for r in spec.roles)),
                "action": lower_first(label_of(Action, action)),
            }
        )
    if package.status not in spec.sources:
        raise Conflict(
            gettext("Cannot %(action)s: the package is “%(status)s”.")
            % {
                "action": lower_first(label_of(Action, action)),
                "status": lower_first(label_of(PackageStatus, package.status)),
            },
            code="invalid_transition",
        )
    if spec.reason_required and not reason.strip():
        raise ValidationFailed(
            _("A reason is required."),
            fields={"reason": [gettext("This field is required for this action.")]},
        )
    return spec, allowed[0]


def package_actions(package: FinancingPackage, user, roles: set[str] | None = None) -> list[str]:
    """The actions the user could take on the package now (what `check_package` lets through)."""
    if roles is None:
        roles = selectors.roles_on_package(user, package)
    offered = []
    for action, spec in PACKAGE_TRANSITIONS.items():
        try:
            check_package(package, action, user, reason="-" if spec.reason_required else "", roles=roles)
        except DomainError:
            continue
        offered.append(action)
    return offered


def transition_package(package: FinancingPackage, action: str, *, user, reason: str = "") -> PackageEvent:
    spec, role = check_package(package, action, user, reason)
    from_status = package.status
    package.status = spec.target
    package.version += 1
    package.save()
    event = PackageEvent.objects.create(
        package=package,
        action=action,
        from_status=from_status,
        to_status=package.status,
        actor=user,
        actor_role=role,
        reason=reason.strip(),
    )
    for effect in spec.effects:
        EFFECTS[effect](package, event)
    return event


def tell_lead_managers(package: FinancingPackage, event: PackageEvent) -> None:
    """The lead enterprise's managers find the proposed package in their inbox, each in their language.
    In-app only: the outbox's audiences are a request's parties, and a package has no request yet."""
    managers = get_user_model().objects.filter(managed_enterprises=package.major_task.lead_enterprise_id)
    notifications = []
    for manager in managers:
        with translation.override(selectors.language_for(manager)):
            notifications.append(
                Notification(
                    user=manager,
                    topic="financing_package.propose",
                    title=gettext("A financing package for %(task)s waits for your answer")
                    % {"task": package.major_task.code},
                    body=gettext("Confirm it as your enterprise's request, or decline it: %(path)s")
                    % {"path": reverse("sme:package", kwargs={"package_id": package.pk})},
                    delivery_key=f"package:{event.pk}:{manager.pk}",
                    created_at=event.created_at,
                )
            )
    Notification.objects.bulk_create(notifications)


def record_package_creation(package: FinancingPackage, *, user) -> PackageEvent:
    return PackageEvent.objects.create(
        package=package, action="create", to_status=package.status, actor=user, actor_role=Role.COORDINATOR
    )


# The effects the package table's rows name (workflow/tables.py), by name as the engine's rules are.
EFFECTS = {"tell_lead_managers": tell_lead_managers}
