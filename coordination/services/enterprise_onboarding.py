"""Enterprise onboarding (DESIGN §1, "who grants what"): registering an enterprise, asking to join one and
deciding a request to join. The yearly financials are services/enterprise_financials.py.

The one rule: the user who registers a new enterprise becomes its first manager; anyone else joins an
existing enterprise only when one of its managers (or a superuser) approves. Coordinators never grant
memberships and never act as an applicant. Nobody approves their own request. Every grant is audited:
`Enterprise.members` / `managers` and `EnterpriseJoinRequest` keep a history (coordination/audit.py) that
names the user who acted.

Each use case is one transaction; arguments are keywords.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.choices import Industry, SpecialisedStatus, Stage
from projects.domain.credit_code import check_credit_code
from projects.models import Enterprise, Region, TechField

from ..errors import Conflict, Message, NotFound, PermissionDenied, ValidationFailed
from ..models import EnterpriseJoinRequest
from ..selectors import coordinator_scope
from ..workflow import outbox
from ..workflow.rules import current_scope

AnyUser = Account | AnonymousUser
MESSAGE_MAX = 500

TOPIC_JOIN_REQUESTED = "enterprise.join_requested"
TOPIC_JOIN_APPROVED = "enterprise.join_approved"
TOPIC_JOIN_REFUSED = "enterprise.join_refused"


@dataclass(frozen=True)
class Registration:
    """What registering gave: a new enterprise (the caller its first manager), or, when the credit code was
    already registered, the caller's request to join the enterprise that holds it."""

    enterprise: Enterprise
    join_request: EnterpriseJoinRequest | None = None

    @property
    def created(self) -> bool:
        return self.join_request is None


# --- who may ----------------------------------------------------------------------------------------


def refuse_coordinator(user: AnyUser, what: Message) -> None:
    # DESIGN §1: a coordinator never acts as an applicant and never grants a membership.
    if current_scope(user) is not None:
        raise PermissionDenied(what, code="coordinator_refused")


def signed_in(user: AnyUser) -> Account:
    if not isinstance(user, Account) or not user.is_authenticated:
        raise PermissionDenied(_("Sign in first."), code="not_authenticated")
    return user


# --- registering and joining -----------------------------------------------------------------------


def _valid_credit_code(credit_code: object) -> str:
    """The credit code normalised; a wrong one is refused naming `credit_code` and the reason."""
    check = check_credit_code(credit_code if isinstance(credit_code, str) else "")
    if not check.valid:
        raise ValidationFailed(
            _("The unified social credit code is not valid."),
            fields={"credit_code": [str(check.reason)]},
            code="invalid_credit_code",
        )
    return check.normalised


def register_enterprise(
    *,
    user: AnyUser,
    credit_code: str,
    name: str,
    region_code: str,
    founded_on: date,
    stage: str,
    industry: str,
    employees: int,
    field_codes: Sequence[str] = (),
    high_tech_certificate_no: str = "",
    high_tech_valid_until: date | None = None,
    tech_sme_registration_no: str = "",
    tech_sme_registration_year: int | None = None,
    specialised_status: str = SpecialisedStatus.NONE,
    join_message: str = "",
) -> Registration:
    """Register a new enterprise with `user` as its first member and manager.

    The credit code is checked first (a wrong one is refused naming `credit_code`, and nothing is
    created). A code already registered creates no duplicate: the caller's request to join that
    enterprise is made instead (or the pending one returned) and its managers are notified."""
    account = signed_in(user)
    refuse_coordinator(account, _("Coordinators do not register enterprises."))
    code = _valid_credit_code(credit_code)
    existing = Enterprise.objects.filter(credit_code=code).first()
    if existing is not None:
        return Registration(existing, _ask_to_join(user=account, enterprise=existing, message=join_message))
    enterprise, fields = _new_enterprise(
        credit_code=code,
        name=name,
        region_code=region_code,
        founded_on=founded_on,
        stage=stage,
        industry=industry,
        employees=employees,
        field_codes=field_codes,
        high_tech_certificate_no=high_tech_certificate_no,
        high_tech_valid_until=high_tech_valid_until,
        tech_sme_registration_no=tech_sme_registration_no,
        tech_sme_registration_year=tech_sme_registration_year,
        specialised_status=specialised_status,
    )
    try:
        with transaction.atomic():
            enterprise._history_user = account  # type: ignore[attr-defined]  # simple-history's hook
            enterprise.save()
            enterprise.fields.set(fields)
            enterprise.members.add(account)
            enterprise.managers.add(account)
    except IntegrityError:
        # Registered by someone else between the check and the insert: join it instead.
        existing = Enterprise.objects.filter(credit_code=code).first()
        if existing is None:
            raise
        return Registration(existing, _ask_to_join(user=account, enterprise=existing, message=join_message))
    return Registration(enterprise)


def _new_enterprise(
    *,
    credit_code: str,
    name: str,
    region_code: str,
    founded_on: date,
    stage: str,
    industry: str,
    employees: int,
    field_codes: Sequence[str],
    high_tech_certificate_no: str,
    high_tech_valid_until: date | None,
    tech_sme_registration_no: str,
    tech_sme_registration_year: int | None,
    specialised_status: str,
) -> tuple[Enterprise, list[TechField]]:
    """The unsaved enterprise and its fields, or ValidationFailed naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [str(_("This field is required."))]
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is None:
        errors["region"] = [str(_("Unknown region code."))]
    codes = list(dict.fromkeys(field_codes or ()))
    fields = list(TechField.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {f.code for f in fields})
    if unknown:
        errors["fields"] = [str(_("Unknown field codes: %(codes)s.") % {"codes": ", ".join(unknown)})]
    today = timezone.localdate()
    if not isinstance(founded_on, date):
        errors["founded_on"] = [str(_("Enter a date."))]
    elif founded_on > today:
        errors["founded_on"] = [str(_("Must not be in the future."))]
    if stage not in Stage.values:
        errors["stage"] = [str(_("Choose one of: %(values)s.") % {"values": ", ".join(Stage.values)})]
    if industry not in Industry.values:
        errors["industry"] = [str(_("Choose one of: %(values)s.") % {"values": ", ".join(Industry.values)})]
    if not isinstance(employees, int) or isinstance(employees, bool) or employees < 0:
        errors["employees"] = [str(_("Must be a whole number, zero or more."))]
    if specialised_status not in SpecialisedStatus.values:
        errors["specialised_status"] = [
            str(_("Choose one of: %(values)s.") % {"values": ", ".join(SpecialisedStatus.values)})
        ]
    high_tech_certificate_no = (high_tech_certificate_no or "").strip()
    tech_sme_registration_no = (tech_sme_registration_no or "").strip()
    if high_tech_valid_until is not None and not high_tech_certificate_no:
        errors["high_tech_certificate_no"] = [str(_("Give the certificate number with its validity."))]
    if tech_sme_registration_year is not None:
        if not tech_sme_registration_no:
            errors["tech_sme_registration_no"] = [str(_("Give the registration number with its year."))]
        if not 2017 <= tech_sme_registration_year <= today.year + 1:
            # The tech-SME evaluation (科技型中小企业评价办法) started in 2017.
            errors["tech_sme_registration_year"] = [
                str(_("Must be a year from 2017 to %(year)s.") % {"year": today.year + 1})
            ]
    enterprise = Enterprise(
        credit_code=credit_code,
        name=name,
        region=region,
        founded_on=founded_on,
        stage=stage,
        industry=industry,
        employees=employees,
        high_tech_certificate_no=high_tech_certificate_no,
        high_tech_valid_until=high_tech_valid_until,
        tech_sme_registration_no=tech_sme_registration_no,
        tech_sme_registration_year=tech_sme_registration_year,
        specialised_status=specialised_status,
    )
    if not errors:
        try:
            # Lengths and the model's own validators (the unique credit code is the caller's matter).
            enterprise.full_clean(exclude=["credit_code", "region"], validate_unique=False)
        except ValidationError as error:
            errors.update({name: [str(m) for m in messages] for name, messages in error.message_dict.items()})
    if errors:
        raise ValidationFailed(_("The enterprise is not valid."), fields=errors)
    return enterprise, fields


def request_to_join(*, user: AnyUser, credit_code: str, message: str = "") -> EnterpriseJoinRequest:
    """Ask to join the enterprise registered under `credit_code`; its managers are notified.

    Asking again while a request is pending returns that request (nobody is notified twice)."""
    account = signed_in(user)
    refuse_coordinator(account, _("Coordinators do not join enterprises."))
    enterprise = Enterprise.objects.filter(credit_code=_valid_credit_code(credit_code)).first()
    if enterprise is None:
        raise NotFound(
            _("No enterprise is registered under this credit code: register it instead."),
            fields={"credit_code": [str(_("Not registered yet."))]},
        )
    return _ask_to_join(user=account, enterprise=enterprise, message=message)


def _ask_to_join(*, user: Account, enterprise: Enterprise, message: str) -> EnterpriseJoinRequest:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationFailed(
            _("The message is too long."),
            fields={"message": [str(_("At most %(n)s characters.") % {"n": MESSAGE_MAX})]},
        )
    if enterprise.members.filter(pk=user.pk).exists():
        raise Conflict(_("You are already a member of this enterprise."), code="already_member")
    pending = EnterpriseJoinRequest.objects.filter(
        enterprise=enterprise, user_id=user.pk, status=EnterpriseJoinRequest.Status.PENDING
    )
    existing = pending.first()
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            join_request = EnterpriseJoinRequest(
                enterprise=enterprise, user=user, message=message, created_at=now
            )
            join_request._history_user = user  # type: ignore[attr-defined]
            join_request.save()
            outbox.enqueue(topic=TOPIC_JOIN_REQUESTED, request=None, payload=_payload(join_request), now=now)
    except IntegrityError:
        # The same user asked twice at once: the other call made the pending request.
        existing = pending.first()
        if existing is None:
            raise
        return existing
    return join_request


def _payload(join_request: EnterpriseJoinRequest) -> dict:
    return {
        "object_type": "enterprise_join_request",
        "object_id": join_request.pk,
        "enterprise_id": join_request.enterprise_id,
        "user_id": join_request.user_id,
        "applicant": join_request.user.get_username(),
        "reference": join_request.enterprise.name,
        "message": join_request.message,
        "reason": join_request.reason,
    }


def may_decide(user: AnyUser, join_request: EnterpriseJoinRequest, *, manager: bool | None = None) -> bool:
    """Whether `user` may approve or refuse this request now: the rule `decide_join_request` applies, so a
    page shows its buttons only then. `manager`: whether the user manages the enterprise, when the caller
    already knows (no query); the coordinator check reads the user's cached scope."""
    if not isinstance(user, Account) or not user.is_authenticated or join_request.user_id == user.pk:
        return False
    if join_request.status != EnterpriseJoinRequest.Status.PENDING or coordinator_scope(user) is not None:
        return False
    if getattr(user, "is_superuser", False):
        return True
    if manager is None:
        manager = join_request.enterprise.managers.filter(pk=user.pk).exists()
    return manager


def decide_join_request(
    *, user: AnyUser, join_request_id: int, approve: bool, reason: str = ""
) -> EnterpriseJoinRequest:
    """A manager of the enterprise (or a superuser) approves or refuses a pending request to join.

    Out of the caller's sight (neither a manager of that enterprise, the applicant nor a superuser): not
    found. The applicant deciding their own request, or a coordinator deciding any: refused (403). Already
    decided: a conflict. Approving makes the applicant a member (not a manager)."""
    account = signed_in(user)
    reason = (reason or "").strip()
    if len(reason) > MESSAGE_MAX:
        raise ValidationFailed(
            _("The reason is too long."),
            fields={"reason": [str(_("At most %(n)s characters.") % {"n": MESSAGE_MAX})]},
        )
    with transaction.atomic():
        join_request = (
            EnterpriseJoinRequest.objects.select_for_update(of=("self",))
            .select_related("enterprise", "user")
            .filter(pk=join_request_id)
            .first()
        )
        if join_request is None:
            raise NotFound()
        enterprise = join_request.enterprise
        manager = enterprise.managers.filter(pk=account.pk).exists()
        superuser = bool(getattr(account, "is_superuser", False))
        if not (manager or superuser or join_request.user_id == account.pk):
            raise NotFound()
        if join_request.user_id == account.pk:
            raise PermissionDenied(_("Nobody approves their own request to join."), code="own_request")
        refuse_coordinator(account, _("Coordinators never grant memberships."))
        if join_request.status != EnterpriseJoinRequest.Status.PENDING:
            raise Conflict(
                _("This request to join was already %(status)s.")
                % {"status": join_request.get_status_display()},
                code="already_decided",
            )
        now = timezone.now()
        join_request.status = (
            EnterpriseJoinRequest.Status.APPROVED if approve else EnterpriseJoinRequest.Status.REFUSED
        )
        join_request.decided_by = account
        join_request.decided_at = now
        join_request.reason = reason
        join_request._history_user = account  # type: ignore[attr-defined]
        join_request.save()
        if approve:
            enterprise._history_user = account  # type: ignore[attr-defined]
            enterprise.members.add(join_request.user)
        outbox.enqueue(
            topic=TOPIC_JOIN_APPROVED if approve else TOPIC_JOIN_REFUSED,
            request=None,
            payload=_payload(join_request),
            now=now,
        )
    return join_request


__all__ = [
    "AnyUser",
    "Registration",
    "decide_join_request",
    "may_decide",
    "refuse_coordinator",
    "register_enterprise",
    "request_to_join",
    "signed_in",
]
