"""Use cases on a financing request. Each is one transaction, optionally idempotent by key."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.prepared import Prepared, first
from lenders.choices import Instrument
from projects.choices import TaskLevel
from projects.models import Enterprise, MajorTask

from ..choices import Role
from ..errors import Conflict, ValidationFailed
from ..models import FinancingRequest, ReferenceCounter, Tranche
from ..workflow import engine, rules
from ..workflow.deadlines import extend_deadlines
from .amounts import as_money
from .locking import act_on_request
from .screening import screen

# Every create reads it: compiled once (config/prepared.py), as `.first()` would read it.
_MEMBERS_ENTERPRISE = Prepared(
    lambda enterprise_id, user_id: Enterprise.objects.filter(
        pk=enterprise_id, members=user_id
    ).select_related("region")[:1]
)


@dataclass(frozen=True)
class TrancheInput:
    instrument: str
    amount: Decimal


def next_reference(year: int) -> str:
    """The year's next number, taken in one statement: the upsert locks the year's row until the caller's
    transaction ends, so two requests never share a number (the ORM needs three queries for the same)."""
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"FR-{year}-{last:06d}"


def create_request(
    *,
    user,
    enterprise_id: int,
    purpose: str,
    amount,
    term_months: int,
    tranches: list[TrancheInput],
    major_task_id: int | None = None,
    needed_by: date | None = None,
) -> FinancingRequest:
    errors: dict[str, list[str]] = {}
    enterprise = first(_MEMBERS_ENTERPRISE.rows(enterprise_id, user.pk))
    if enterprise is None:
        errors["enterprise"] = ["Unknown enterprise, or you are not one of its members."]
    elif rules.current_scope(user) is not None:
        # DESIGN.md §1: a coordinator never acts as an applicant, even when a member.
        errors["enterprise"] = ["Coordinators do not file financing requests."]
    amount = as_money(amount, "amount")
    if not isinstance(term_months, int) or not 1 <= term_months <= 600:
        errors["term_months"] = ["Must be a whole number of months from 1 to 600."]
    if not tranches:
        errors["tranches"] = ["At least one tranche (instrument and amount) is required."]
    for index, tranche in enumerate(tranches):
        if tranche.instrument not in Instrument.values:
            errors[f"tranches[{index}].instrument"] = [f"'{tranche.instrument}' is not a known instrument."]
    tranche_amounts = [as_money(t.amount, f"tranches[{i}].amount") for i, t in enumerate(tranches)]
    if tranches and sum(tranche_amounts) != amount:
        errors["tranches"] = [f"Tranche amounts add up to {sum(tranche_amounts)}, not the amount {amount}."]
    major_task = None
    if major_task_id is not None:
        major_task = MajorTask.objects.filter(pk=major_task_id).first()
        if (
            major_task is None
            or enterprise is None
            or not (
                major_task.lead_enterprise_id == enterprise.pk
                or major_task.participants.filter(pk=enterprise.pk).exists()
            )
        ):
            errors["major_task"] = ["Unknown major task, or the enterprise does not take part in it."]
    if needed_by is not None and needed_by < timezone.localdate():
        errors["needed_by"] = ["Must not be in the past."]
    if not purpose or not purpose.strip():
        errors["purpose"] = ["This field is required."]
    if errors:
        raise ValidationFailed("The request is not valid.", fields=errors)
    assert enterprise is not None  # an unknown enterprise is one of the errors above
    with transaction.atomic():
        request = FinancingRequest.objects.create(
            enterprise=enterprise,
            major_task=major_task,
            purpose=purpose.strip(),
            amount=amount,
            term_months=term_months,
            needed_by=needed_by,
            created_by=user,
            reference=next_reference(timezone.localdate().year),
        )
        Tranche.objects.bulk_create(
            Tranche(request=request, position=i + 1, instrument=t.instrument, amount=a)
            for i, (t, a) in enumerate(zip(tranches, tranche_amounts, strict=True))
        )
        engine.record_creation(request, "create", user=user, role=Role.APPLICANT)
    return request


def needs_national(request: FinancingRequest) -> bool:
    national_task = request.major_task is not None and request.major_task.level == TaskLevel.NATIONAL
    return national_task or request.amount >= settings.NATIONAL_THRESHOLD_YUAN


def _run_screening(request: FinancingRequest) -> None:
    result = screen(request)
    request.screening = result
    request.escalated = needs_national(request)
    if result["missing"]:
        request.info_request = "\n".join(result["missing"])
        engine.transition(request, "screen_fail", reason="; ".join(result["missing"]), data=result)
    else:
        request.info_request = ""
        engine.transition(request, "screen_pass", data=result)


def submit_request(*, request_id: int, user, idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        request.submitted_at = timezone.now()
        with engine.one_write(request):
            engine.transition(request, "submit", user=user, idempotency_key=idempotency_key)
            _run_screening(request)

    return act_on_request("submit", request_id, user, idempotency_key, body)


def resubmit_request(*, request_id: int, user, note: str = "", idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        with engine.one_write(request):
            engine.transition(request, "resubmit", user=user, reason=note, idempotency_key=idempotency_key)
            _run_screening(request)

    return act_on_request("resubmit", request_id, user, idempotency_key, body)


def request_information(*, request_id: int, user, reason: str, idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        request.info_request = reason.strip()
        engine.transition(request, "request_info", user=user, reason=reason, idempotency_key=idempotency_key)

    return act_on_request("request_info", request_id, user, idempotency_key, body)


def reject_request(*, request_id: int, user, reason: str, idempotency_key: str = "") -> FinancingRequest:
    def body(request):
        engine.transition(request, "reject", user=user, reason=reason, idempotency_key=idempotency_key)

    return act_on_request("reject", request_id, user, idempotency_key, body)


def take_action(
    *, request_id: int, user, action: str, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    """A table row that needs no use case of its own: the transition alone, under the request's lock."""

    def body(request):
        engine.transition(request, action, user=user, reason=reason, idempotency_key=idempotency_key)

    return act_on_request(action, request_id, user, idempotency_key, body)


def close_request(
    *, request_id: int, user=None, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    return act_on_request(
        "close",
        request_id,
        user,
        idempotency_key,
        lambda request: engine.transition(
            request, "close", user=user, reason=reason, idempotency_key=idempotency_key
        ),
    )


def withdraw_request(
    *, request_id: int, user, reason: str = "", idempotency_key: str = ""
) -> FinancingRequest:
    def body(request):
        engine.transition(request, "withdraw", user=user, reason=reason, idempotency_key=idempotency_key)

    return act_on_request("withdraw", request_id, user, idempotency_key, body)


def expire_request(*, request_id: int) -> FinancingRequest:
    def body(request):
        engine.transition(request, "expire", reason="deadline passed")

    return act_on_request("expire", request_id, None, "", body)


def extend_request_deadline(
    *, request_id: int, user, business_days: int, reason: str, idempotency_key: str = ""
) -> FinancingRequest:
    if not isinstance(business_days, int) or not 1 <= business_days <= 60:
        raise ValidationFailed("Invalid extension.", fields={"business_days": ["Must be from 1 to 60."]})
    if not reason.strip():
        raise ValidationFailed("A reason is required.", fields={"reason": ["This field is required."]})

    def body(request):
        _, role = engine.authorise(request, "route", user)  # the people who triage are the people who extend
        moved = extend_deadlines(
            object_type="financing_request", object_id=request.pk, business_days=business_days
        )
        if not moved:
            raise Conflict("This request has no open deadline to extend.", code="no_deadline")
        request.overdue = False
        request.save(update_fields=["overdue", "updated_at"])
        engine.record_decision(
            request,
            "extend_deadline",
            user=user,
            role=role,
            reason=reason,
            data={"business_days": business_days, "due_at": [d.due_at.isoformat() for d in moved]},
        )

    return act_on_request("extend_deadline", request_id, user, idempotency_key, body)
