"""An institution's own administration (DESIGN §1, "who grants what"): its managers keep the team and the
product catalogue.

The one rule: an institution's first manager is appointed by a superuser (the admin); after that its managers
add and remove its members and maintain its products. Coordinators never grant memberships and never act as
an institution. A manager does not remove themselves (another manager, or a superuser, does), so the team
always keeps a manager. Every change is audited: `Institution.members` / `managers` and `Product` keep a
history (coordination/audit.py) that names the user who acted.

Anyone who is not a member of the institution is told it does not exist (404); a member who does not manage
it is refused (403). Each use case is one transaction; arguments are keywords.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lenders.catalogue.report import ImportReport
from lenders.models import Institution, Product
from lenders.services import catalogue

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..selectors import coordinator_scope
from ..workflow.rules import current_scope

AnyUser = Account | AnonymousUser
IDENTIFIER_MAX = 254


def _manager(user: AnyUser, institution_id: int, *, lock: bool = False) -> tuple[Account, Institution]:
    """The caller and the institution they manage; not found for anyone outside it."""
    if not isinstance(user, Account) or not user.is_authenticated:
        raise NotFound()
    institutions = Institution.objects.filter(pk=institution_id, members=user)
    institution = (institutions.select_for_update(of=("self",)) if lock else institutions).first()
    # DESIGN §1: a coordinator never acts as an institution, whatever memberships it was given.
    if institution is None or current_scope(user) is not None:
        raise NotFound()
    if not institution.managers.filter(pk=user.pk).exists():
        raise PermissionDenied(
            _("Only the institution's managers keep its team and products."), code="not_manager"
        )
    return user, institution


# --- the team ---------------------------------------------------------------------------------------


def _account_named(identifier: str) -> Account:
    """The active account with this username, or else this e-mail address (when only one account has it)."""
    identifier = (identifier or "").strip()
    if not identifier or len(identifier) > IDENTIFIER_MAX:
        raise ValidationFailed(
            _("Give a username or an e-mail address."),
            fields={"who": [str(_("Give a username or an e-mail address."))]},
        )
    accounts = Account.objects.filter(is_active=True)
    by_name = accounts.filter(username=identifier).first()
    if by_name is not None:
        return by_name
    by_email = list(accounts.filter(email__iexact=identifier)[:2])
    if len(by_email) == 1:
        return by_email[0]
    reason = (
        _("Several accounts use this e-mail address: give the username instead.")
        if by_email
        else _("No account has this username or e-mail address: ask the person to sign up first.")
    )
    raise ValidationFailed(reason, fields={"who": [str(reason)]})


def add_member(*, user: AnyUser, institution_id: int, who: str) -> Account:
    """A manager adds an existing account (by username or e-mail address) to the institution's members.

    A coordinator cannot be made a member (coordinators never act as an institution); an account that is
    already a member is a conflict."""
    with transaction.atomic():
        account, institution = _manager(user, institution_id, lock=True)
        member = _account_named(who)
        if coordinator_scope(member) is not None:
            reason = _("A coordinator cannot be a member of an institution.")
            raise ValidationFailed(reason, fields={"who": [str(reason)]}, code="coordinator_refused")
        if institution.members.filter(pk=member.pk).exists():
            raise Conflict(
                _("%(name)s is already a member.") % {"name": member.get_username()}, code="already_member"
            )
        institution._history_user = account  # type: ignore[attr-defined]  # simple-history's hook
        institution.members.add(member)
    return member


def remove_member(*, user: AnyUser, institution_id: int, member_id: int) -> Account:
    """A manager removes a member (and with it any manager role they held). Nobody removes themselves."""
    with transaction.atomic():
        account, institution = _manager(user, institution_id, lock=True)
        member = institution.members.filter(pk=member_id).first()
        if member is None:
            raise NotFound()
        if member.pk == account.pk:
            raise PermissionDenied(
                _("You cannot remove yourself: ask another manager of the institution."),
                code="own_membership",
            )
        institution._history_user = account  # type: ignore[attr-defined]
        institution.managers.remove(member)
        institution.members.remove(member)
    return member


def set_manager(*, user: AnyUser, institution_id: int, member_id: int, manager: bool) -> Account:
    """A manager makes another member a manager too, or takes the role back. Nobody changes their own role
    (so the institution keeps the manager who acts)."""
    with transaction.atomic():
        account, institution = _manager(user, institution_id, lock=True)
        member = institution.members.filter(pk=member_id).first()
        if member is None:
            raise NotFound()
        if member.pk == account.pk:
            raise PermissionDenied(
                _("You cannot change your own role: ask another manager of the institution."), code="own_role"
            )
        institution._history_user = account  # type: ignore[attr-defined]
        if manager:
            institution.managers.add(member)
        else:
            institution.managers.remove(member)
    return member


# --- the catalogue ----------------------------------------------------------------------------------


def save_product(
    *,
    user: AnyUser,
    institution_id: int,
    values: catalogue.ProductValues,
    product_id: int | None = None,
) -> Product:
    """A manager adds a product (`product_id` None) or changes one of the institution's own."""
    with transaction.atomic():
        account, institution = _manager(user, institution_id)
        return catalogue.save_product(
            institution=institution, user=account, values=values, product_id=product_id
        )


def preview_catalogue_import(
    *, user: AnyUser, institution_id: int, content: bytes, file_name: str
) -> ImportReport:
    """What importing the file would do to the catalogue, row by row; nothing is saved."""
    _account, institution = _manager(user, institution_id)
    return catalogue.preview_import(institution=institution, content=content, file_name=file_name)


def import_catalogue(*, user: AnyUser, institution_id: int, content: bytes, file_name: str) -> ImportReport:
    """Import the file into the catalogue, all or nothing (`catalogue.ImportRefused` names the bad rows)."""
    with transaction.atomic():
        account, institution = _manager(user, institution_id)
        return catalogue.apply_import(
            institution=institution, user=account, content=content, file_name=file_name
        )


__all__ = [
    "add_member",
    "import_catalogue",
    "preview_catalogue_import",
    "remove_member",
    "save_product",
    "set_manager",
]
