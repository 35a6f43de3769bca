"""Financing packages for major tasks (DESIGN §14), one use case each, each one transaction.

A coordinator drafts a package (tranches: instrument, amount, term, invited institutions) and proposes
it; a manager of the task's lead enterprise confirms it — which files and submits it as the enterprise's
own request, with the package's tranches, through the usual workflow — or declines it with a reason.
The package's transitions are the workflow engine's (workflow/tables.py); the request's checks are
`create_request`'s.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lenders.choices import INSTRUMENTS_BY_KIND, Instrument
from lenders.models import Institution

from .. import selectors
from ..choices import Role
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..models import FinancingPackage, PackageTranche
from ..workflow import engine
from .amounts import as_money
from .filing import DocumentInput, file_request
from .financing_requests import TrancheInput

MAX_TRANCHES = 10


@dataclass(frozen=True)
class PackageTrancheInput:
    instrument: str
    amount: Decimal | str
    term_months: int
    institution_ids: list[int] = field(default_factory=list)


def _checked_tranches(
    tranches: list[PackageTrancheInput], gap: Decimal
) -> list[tuple[PackageTrancheInput, Decimal, list[Institution]]]:
    errors: dict[str, list[str]] = {}
    if not tranches:
        errors["tranches"] = [gettext("At least one tranche is required.")]
    elif len(tranches) > MAX_TRANCHES:
        errors["tranches"] = [gettext("At most %(n)s tranches.") % {"n": MAX_TRANCHES}]
    wanted = {pk for tranche in tranches for pk in tranche.institution_ids if isinstance(pk, int)}
    institutions = Institution.objects.filter(pk__in=wanted, is_active=True).in_bulk()
    checked = []
    for index, tranche in enumerate(tranches):
        name = f"tranches[{index}]"
        if tranche.instrument not in Instrument.values:
            errors[f"{name}.instrument"] = [
                gettext("“%(value)s” is not a known instrument.") % {"value": tranche.instrument}
            ]
        amount = as_money(tranche.amount, f"{name}.amount")
        term = tranche.term_months
        if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 600:
            errors[f"{name}.term_months"] = [gettext("Must be a whole number of months from 1 to 600.")]
        ids = tranche.institution_ids
        invited = [institutions.get(pk) for pk in ids]
        if not ids:
            errors[f"{name}.institutions"] = [gettext("Invite at least one institution.")]
        elif len(set(ids)) != len(ids):
            errors[f"{name}.institutions"] = [gettext("An institution is invited twice.")]
        elif any(institution is None for institution in invited):
            errors[f"{name}.institutions"] = [gettext("Unknown or inactive institution.")]
        elif any(tranche.instrument not in INSTRUMENTS_BY_KIND[i.kind] for i in invited if i is not None):
            errors[f"{name}.institutions"] = [
                gettext("Every invited institution must offer the tranche's instrument.")
            ]
        checked.append((tranche, amount, [i for i in invited if i is not None]))
    total = sum((row[1] for row in checked), Decimal(0))
    if "tranches" not in errors and total > gap:
        errors["tranches"] = [
            gettext("The tranches add up to %(total)s yuan, more than the task's financing gap of %(gap)s.")
            % {"total": total, "gap": gap}
        ]
    if errors:
        raise ValidationFailed(_("The package is not valid."), fields=errors)
    return checked


def create_package(
    *, user, major_task_id: int, purpose: str, tranches: list[PackageTrancheInput]
) -> FinancingPackage:
    """A coordinator's draft for a task in its scope."""
    if selectors.coordinator_scope(user) is None:
        raise PermissionDenied(_("Only coordinators draft financing packages."))
    task = selectors.financing_tasks_visible_to(user).filter(pk=major_task_id).first()
    if task is None:
        raise ValidationFailed(
            _("The package is not valid."),
            fields={"major_task": [gettext("Unknown major task, or not in your scope.")]},
        )
    checked = _checked_tranches(tranches, task.financing_gap)
    if not purpose or not purpose.strip():
        raise ValidationFailed(
            _("The package is not valid."), fields={"purpose": [gettext("This field is required.")]}
        )
    with transaction.atomic():
        package = FinancingPackage.objects.create(major_task=task, purpose=purpose.strip(), created_by=user)
        rows = PackageTranche.objects.bulk_create(
            PackageTranche(
                package=package,
                position=index + 1,
                instrument=tranche.instrument,
                amount=amount,
                term_months=tranche.term_months,
            )
            for index, (tranche, amount, _invited) in enumerate(checked)
        )
        PackageTranche.institutions.through.objects.bulk_create(
            PackageTranche.institutions.through(packagetranche_id=row.pk, institution_id=institution.pk)
            for row, (_tranche, _amount, invited) in zip(rows, checked, strict=True)
            for institution in invited
        )
        engine.record_creation(package, "create", user=user, role=Role.COORDINATOR)
    return package


def _lock(package_id: int) -> FinancingPackage:
    package = (
        FinancingPackage.objects.select_for_update(of=("self",))
        .select_related("major_task__lead_enterprise")
        .filter(pk=package_id)
        .first()
    )
    if package is None:
        raise NotFound()
    return package


def propose_package(*, user, package_id: int) -> FinancingPackage:
    with transaction.atomic():
        package = _lock(package_id)
        engine.transition(package, "propose", user=user)
    return package


def decline_package(*, user, package_id: int, reason: str) -> FinancingPackage:
    with transaction.atomic():
        package = _lock(package_id)
        package.decline_reason = reason.strip()
        engine.transition(package, "decline", user=user, reason=package.decline_reason)
    return package


def confirm_package(
    *, user, package_id: int, documents: list[DocumentInput] | None = None
) -> FinancingPackage:
    """The lead enterprise's manager files the package as the enterprise's request and submits it (its
    consent to share it with the institutions a coordinator routes it to); screening then asks for any
    document missing, as for every request."""
    with transaction.atomic():
        package = _lock(package_id)
        roles = engine.acting_roles(package, user)  # read once: the check below and the transition
        engine.check(package, "confirm", user, roles=roles)
        tranches = list(package.tranches.order_by("position"))
        request = file_request(
            user=user,
            enterprise_id=package.major_task.lead_enterprise_id,
            purpose=package.purpose,
            amount=sum((t.amount for t in tranches), Decimal(0)),
            term_months=max(t.term_months for t in tranches),
            tranches=[TrancheInput(t.instrument, t.amount) for t in tranches],
            documents=documents or [],
            major_task_id=package.major_task_id,
            submit=True,
        )
        package.request = request
        engine.transition(package, "confirm", user=user, roles=roles)
    return package
