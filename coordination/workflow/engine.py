"""The one transition service: guard, role, apply, audit, deadlines and outbox, in the caller's transaction.

Callers lock rows first (see `coordination.services.locking`); this module never assigns a status
without writing the event, and nothing else in the code assigns one. A major task's package moves here too,
by the same checks; having no request before it is submitted, it keeps its own events (`PackageEvent`).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..choices import (
    Action,
    ClaimStatus,
    ObjectType,
    OfferStatus,
    PackageStatus,
    ReferralStatus,
    RequestStatus,
    Role,
    label_of,
    lower_first,
)
from ..errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from ..models import (
    FinancingPackage,
    FinancingRequest,
    LossClaim,
    Offer,
    PackageEvent,
    Referral,
    TransitionEvent,
)
from . import rules
from .deadlines import cancel_deadlines, open_deadlines
from .outbox import enqueue_many, enqueue_timed
from .rules import Subject
from .tables import (
    CLAIM_STAGES,
    CLAIM_TRANSITIONS,
    OFFER_STAGES,
    OFFER_TRANSITIONS,
    PACKAGE_STAGES,
    PACKAGE_TRANSITIONS,
    REFERRAL_STAGES,
    REFERRAL_TRANSITIONS,
    REQUEST_STAGES,
    REQUEST_TRANSITIONS,
    Transition,
)

# What the engine moves: the tables' request-bound objects, and a major task's package before its request.
Movable = Subject | FinancingPackage
# What records a move: the request's trail, or a package's own events.
Event = TransitionEvent | PackageEvent


@dataclass(frozen=True)
class Machine:
    object_type: str
    transitions: dict[str, Transition]
    stages: dict[str, str]
    roles_for: Callable[[Any, Any], set[str]]
    # The request whose trail (TransitionEvent), deadlines and outbox record the object's moves. None for a
    # package: it has no request until it is submitted, so its own events (PackageEvent) record them.
    request_of: Callable[[Any], FinancingRequest] | None


REQUEST = Machine(
    "financing_request", REQUEST_TRANSITIONS, REQUEST_STAGES, selectors.roles_on_request, lambda obj: obj
)
REFERRAL = Machine(
    "referral", REFERRAL_TRANSITIONS, REFERRAL_STAGES, selectors.roles_on_referral, lambda obj: obj.request
)
OFFER = Machine(
    "offer",
    OFFER_TRANSITIONS,
    OFFER_STAGES,
    lambda user, obj: selectors.roles_on_referral(user, obj.referral),
    lambda obj: obj.request,
)
# SMEs hold no role on a claim (DESIGN §10): its institution and the coordinators in scope do.
LOSS_CLAIM = Machine(
    "loss_claim", CLAIM_TRANSITIONS, CLAIM_STAGES, selectors.roles_on_claim, lambda obj: obj.request
)
PACKAGE = Machine(
    "financing_package", PACKAGE_TRANSITIONS, PACKAGE_STAGES, selectors.roles_on_package, request_of=None
)
MACHINES = {
    FinancingRequest: REQUEST,
    Referral: REFERRAL,
    Offer: OFFER,
    LossClaim: LOSS_CLAIM,
    FinancingPackage: PACKAGE,
}

ROLE_PREFERENCE = (Role.COORDINATOR, Role.INSTITUTION, Role.APPLICANT)


def status_label(object_type: str, status: str) -> str:
    """A status in words, in the active language (the labels of the object's status choices)."""
    statuses: dict[str, type[TextChoices]] = {
        "referral": ReferralStatus,
        "offer": OfferStatus,
        "loss_claim": ClaimStatus,
        "financing_package": PackageStatus,
    }
    return label_of(statuses.get(object_type, RequestStatus), status)


def machine_for(obj: Movable) -> Machine:
    return MACHINES[type(obj)]


def acting_roles(obj: Movable, user, viewer: selectors.Viewer | None = None) -> set[str]:
    """The roles `user` holds towards `obj`, judged on the powers held now; empty when out of scope.

    A `viewer` (read once for many objects) stands in for the scope and roles read here otherwise; it knows
    nothing of packages, whose roles a `selectors.PackageViewer` gives `check` and `available_actions`.
    """
    if viewer is None or isinstance(obj, FinancingPackage):
        scope = rules.current_scope(user)  # every role below is judged on the powers held now
        roles = machine_for(obj).roles_for(user, obj)
    else:
        scope, roles = viewer.scope, viewer.roles_on(obj)
    if scope is not None:
        # DESIGN.md §1: a coordinator never acts as an applicant or an institution, whatever it joined.
        roles = roles & {Role.COORDINATOR}
    return roles


def authorise(
    obj: Movable,
    action: str,
    user,
    viewer: selectors.Viewer | None = None,
    *,
    roles: set[str] | None = None,
) -> tuple[Transition, str]:
    """The transition and the role the user acts in; raises when the user may not take the action.

    `roles` (`acting_roles` of this object and user) or a `viewer` spare the reads of scope and roles.
    """
    machine = machine_for(obj)
    transition = machine.transitions.get(action)
    if transition is None:
        raise ValidationFailed(
            gettext("Unknown action “%(action)s” for a %(object)s.")
            % {"action": action, "object": label_of(ObjectType, machine.object_type)},
            fields={"action": [gettext("unknown")]},
        )
    if user is None:
        if Role.SYSTEM not in transition.roles:
            raise PermissionDenied(
                gettext("“%(action)s” is not a system action.") % {"action": label_of(Action, action)}
            )
        return transition, Role.SYSTEM
    if roles is None:
        roles = acting_roles(obj, user, viewer)
    if not roles:
        raise NotFound()
    allowed = [role for role in ROLE_PREFERENCE if role in roles and role in transition.roles]
    if not allowed:
        raise PermissionDenied(
            gettext("Only %(roles)s may %(action)s this %(object)s.")
            % {
                "roles": gettext(", ").join(sorted(lower_first(label_of(Role, r)) for r in transition.roles)),
                "object": label_of(ObjectType, machine.object_type),
                "action": lower_first(label_of(Action, action)),
            }
        )
    for permit in transition.permits:
        getattr(rules, permit)(obj, user, allowed[0])
    return transition, allowed[0]


def check(
    obj: Movable,
    action: str,
    user,
    reason: str = "",
    viewer: selectors.Viewer | None = None,
    *,
    roles: set[str] | None = None,
) -> tuple[Transition, str]:
    """Everything but the change: scope, role and permits, then state, the reason and the row's guards;
    raises on the first miss."""
    machine = machine_for(obj)
    spec, acting_role = authorise(obj, action, user, viewer, roles=roles)
    if obj.status not in spec.sources:
        raise Conflict(
            gettext("Cannot %(action)s: the %(object)s is “%(status)s”.")
            % {
                "action": lower_first(label_of(Action, action)),
                "object": label_of(ObjectType, machine.object_type),
                "status": lower_first(status_label(machine.object_type, obj.status)),
            },
            code="invalid_transition",
        )
    if spec.reason_required and not reason.strip():
        raise ValidationFailed(
            _("A reason is required."),
            fields={"reason": [gettext("This field is required for this action.")]},
        )
    for guard in spec.guards:
        getattr(rules, guard)(obj, user, acting_role)
    return spec, acting_role


def available_actions(
    obj: Movable,
    user,
    viewer: selectors.Viewer | None = None,
    *,
    roles: set[str] | None = None,
) -> list[str]:
    """The actions `user` could take on `obj` now, in table order: what `check` lets through, nothing else.

    Reads only. A reason is not asked for here (the form asks for it); every other check is the engine's.
    The roles are judged once, and the rows `check` would refuse on them or on the status alone are passed
    over before it is asked: a list's page checks each row's few open actions, not the whole table with a
    translated refusal each. `roles` (read once for many packages, selectors.PackageViewer) or a `viewer`
    spare that read.
    """
    if roles is None and user is not None:
        roles = acting_roles(obj, user, viewer)
    actors = {Role.SYSTEM} if roles is None else roles
    offered = []
    for action, spec in machine_for(obj).transitions.items():
        if obj.status not in spec.sources or not spec.roles & actors:
            continue
        try:
            check(obj, action, user, reason="-" if spec.reason_required else "", viewer=viewer, roles=roles)
        except DomainError:
            continue
        offered.append(action)
    return offered


def transition(
    obj: Movable,
    action: str,
    *,
    user=None,
    reason: str = "",
    data: dict | None = None,
    idempotency_key: str = "",
    target: str | None = None,
    roles: set[str] | None = None,
) -> Event:
    """Apply `action` to a locked object. `target` narrows the table's target (e.g. partial funding).

    `roles`: the `acting_roles` a caller already read for an earlier `check` of the same locked object, in
    the same transaction, so that they are not read again."""
    spec, acting_role = check(obj, action, user, reason, roles=roles)
    if spec.effects and _held_for(obj):
        # An effect may read the rows one_write holds back, or want the event's id.
        raise RuntimeError(f"{action} has effects: it cannot run inside one_write")
    event = record(
        obj,
        action,
        to_status=target or spec.target,
        user=user,
        role=acting_role,
        reason=reason,
        data=data,
        idempotency_key=idempotency_key,
    )
    for effect in spec.effects:
        getattr(rules, effect)(obj, apply=transition, event=event)
    return event


@dataclass
class _HeldWrites:
    """What `one_write` writes when its block ends."""

    moved: bool = False
    events: list[TransitionEvent] = field(default_factory=list)
    # Each move's messages: its event (the payload names its id once written), topic, request, payload, time.
    messages: list[tuple[TransitionEvent, str, FinancingRequest, dict, datetime]] = field(
        default_factory=list
    )


# The objects whose writes `one_write` holds, by id() (a model instance hashes by its pk, not its identity).
_held: ContextVar[dict[int, _HeldWrites] | None] = ContextVar("held_writes", default=None)


def _held_for(obj: Movable) -> _HeldWrites | None:
    return (_held.get() or {}).get(id(obj))


@contextmanager
def one_write(obj: Movable) -> Iterator[None]:
    """The moves of `obj` inside the block write their rows when the block ends, each kind in one statement:
    a submit and the screening it runs (two moves in one transaction) cost one UPDATE of the row, one INSERT
    of both events and one of both outbox messages. Each move's deadlines are written at once, and every row
    is the one the move would have written alone (its own times, its own event named in its message); the
    events get their ids when the block ends. Nothing inside may read these rows back. On an error the held
    rows are not written, but the deadlines already are: the caller's transaction must roll back (every
    service's does, through locking.act_on_request). A block inside another one's for the same object adds
    to the outer one, so the moves are written in the order they were made."""
    if _held_for(obj) is not None:
        yield
        return
    held = _HeldWrites()
    token = _held.set({**(_held.get() or {}), id(obj): held})
    try:
        yield
    finally:
        _held.reset(token)
    if held.moved:
        obj.save()
    if not held.events:
        return
    TransitionEvent.objects.bulk_create(held.events)
    enqueue_timed(
        [
            (topic, request, {"event_id": event.pk, **payload}, at)
            for event, topic, request, payload, at in held.messages
        ]
    )


def record(
    obj: Movable,
    action: str,
    *,
    to_status: str,
    user,
    role: str,
    reason: str = "",
    data: dict | None = None,
    idempotency_key: str = "",
) -> Event:
    from_status = obj.status
    obj.status = to_status
    obj.version += 1
    held = _held_for(obj)
    if held is None:
        obj.save()
    else:
        held.moved = True
    return _audit(
        obj,
        action,
        from_status,
        user=user,
        role=role,
        reason=reason,
        data=data,
        idempotency_key=idempotency_key,
    )


def record_creation(obj: Movable, action: str, *, user, role: str, data: dict | None = None) -> Event:
    """Audit a newly saved object entering its first status (a draft request, a referral sent)."""
    return record_creations([obj], action, user=user, role=role, data=data)[0]


def record_creations(
    objs: Sequence[Movable], action: str, *, user, role: str, data: dict | None = None
) -> Sequence[Event]:
    """Audit newly saved objects of one kind entering their first status together (the referrals of one
    routing), in as many queries as one."""
    return _audit_many(objs, action, "", user=user, role=role, data=data)


def record_decision(
    obj: Movable, action: str, *, user, role: str, reason: str = "", data: dict | None = None
) -> Event:
    """Audit a decision that keeps the status (a deadline extended, a proposal edited)."""
    return _audit(obj, action, obj.status, user=user, role=role, reason=reason, data=data)


def _audit(
    obj: Movable,
    action: str,
    from_status: str,
    *,
    user,
    role: str,
    reason: str = "",
    data: dict | None = None,
    idempotency_key: str = "",
) -> Event:
    return _audit_many(
        [obj],
        action,
        from_status,
        user=user,
        role=role,
        reason=reason,
        data=data,
        idempotency_key=idempotency_key,
    )[0]


def _package_events(
    packages: Sequence[FinancingPackage], action: str, from_status: str, *, user, role: str, reason: str
) -> Sequence[Event]:
    """A package's own events. No deadline waits on a package, and the outbox tells a request's parties,
    which a package has not: the rows' effects tell whom a package's move concerns."""
    now = timezone.now()
    return PackageEvent.objects.bulk_create(
        PackageEvent(
            package=package,
            action=action,
            from_status=from_status,
            to_status=package.status,
            actor=user,
            actor_role=role,
            reason=reason,
            created_at=now,
        )
        for package in packages
    )


def _audit_many(
    objs: Sequence[Movable],
    action: str,
    from_status: str,
    *,
    user,
    role: str,
    reason: str = "",
    data: dict | None = None,
    idempotency_key: str = "",
) -> Sequence[Event]:
    """The events of objects of one kind that took one action from one status: the audit rows, their
    stages' deadlines and the outbox messages, each written in one statement for all of them (a package's
    own events only)."""
    if not objs:
        return []
    machine = machine_for(objs[0])
    request_of = machine.request_of
    if request_of is None:
        assert not data and not idempotency_key, "a package's events keep neither"
        return _package_events(
            cast(Sequence[FinancingPackage], objs), action, from_status, user=user, role=role, reason=reason
        )
    now = timezone.now()
    held = _held_for(objs[0]) if len(objs) == 1 else None
    events: list[TransitionEvent] = [
        TransitionEvent(
            request=request_of(obj),
            object_type=machine.object_type,
            object_id=obj.pk,
            action=action,
            from_status=from_status,
            to_status=obj.status,
            actor=user,
            actor_role=role,
            reason=reason,
            data=data or {},
            idempotency_key=idempotency_key,
            created_at=now,
        )
        for obj in objs
    ]
    if held is None:
        TransitionEvent.objects.bulk_create(events)
    else:
        held.events.extend(events)
    old_stage = machine.stages.get(from_status)
    moved = [obj for obj in objs if machine.stages.get(obj.status) != old_stage]
    if moved:
        # Overdue belonged to the stage that was just left.
        overdue = [item for item in moved if isinstance(item, FinancingRequest | Referral) and item.overdue]
        if overdue:
            type(overdue[0]).objects.filter(pk__in=[item.pk for item in overdue]).update(overdue=False)
            for item in overdue:
                item.overdue = False
        if from_status:  # a new object (record_creations) has no deadline yet
            cancel_deadlines(object_type=machine.object_type, object_ids=[obj.pk for obj in moved])
        entering: dict[tuple, list[Movable]] = {}
        for obj in moved:
            new_stage = machine.stages.get(obj.status)
            if new_stage:
                key = (request_of(obj).pk, new_stage, getattr(obj, "valid_until", None))
                entering.setdefault(key, []).append(obj)
        for (_, new_stage, expires_on), group in entering.items():
            open_deadlines(
                request=request_of(group[0]),
                object_type=machine.object_type,
                object_ids=[obj.pk for obj in group],
                stage=new_stage,
                now=now,
                expires_on=expires_on,
            )
    messages = [
        (
            event,
            f"{machine.object_type}.{action}",
            request_of(obj),
            {
                "object_type": machine.object_type,
                "object_id": obj.pk,
                "request_id": request_of(obj).pk,
                "reference": request_of(obj).reference,
                "action": action,
                "from_status": from_status,
                "to_status": obj.status,
                "actor_role": role,
                "reason": reason,
                "at": now.isoformat(),
            },
            now,
        )
        for obj, event in zip(objs, events, strict=True)
    ]
    if held is None:
        enqueue_many(
            [
                (topic, request, {"event_id": event.pk, **payload})
                for event, topic, request, payload, _ in messages
            ],
            now=now,
        )
    else:
        held.messages.extend(messages)
    return events
