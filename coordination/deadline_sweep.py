"""The deadline sweep: reminders before due, escalation at due, expiry where the tables say so.

It sits above the services it calls (only tasks and commands call it), so nothing below imports it.

Rows are claimed for a short lease in one short transaction (skip_locked), then each is fired in
its own transaction that locks the request first (the same order as every transition) and
re-checks that the deadline is still pending and its object still in that stage. Firing twice,
or two sweeps at once, is harmless.
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .choices import DeadlineKind, DeadlineState
from .errors import DomainError
from .models import Deadline, FinancingRequest, Offer, Referral
from .services import financing_requests as request_services
from .services import referrals as referral_services
from .services.outreach import follow_ups as follow_up_services
from .workflow.outbox import enqueue_many
from .workflow.tables import OFFER_STAGES, REFERRAL_STAGES, REQUEST_STAGES

logger = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(minutes=5)
NOTICE_CHUNK = 200
MODELS = {
    "financing_request": (FinancingRequest, REQUEST_STAGES),
    "referral": (Referral, REFERRAL_STAGES),
    "offer": (Offer, OFFER_STAGES),
}


def claim_due(now: datetime, batch: int) -> list[int]:
    with transaction.atomic():
        ids = list(
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(state=DeadlineState.PENDING, due_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("due_at")
            .values_list("pk", flat=True)[:batch]
        )
        Deadline.objects.filter(pk__in=ids).update(claimed_until=now + CLAIM_LEASE)
    return ids


def sweep(*, now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    now = now or timezone.now()
    fired = Counter({"remind": 0, "escalate": 0, "expire": 0, "skipped": 0})
    ids = claim_due(now, batch)
    kinds = dict(Deadline.objects.filter(pk__in=ids).values_list("pk", "kind"))
    notices = [pk for pk in ids if kinds[pk] != DeadlineKind.EXPIRE]
    for start in range(0, len(notices), NOTICE_CHUNK):
        fired.update(fire_notices(notices[start : start + NOTICE_CHUNK], now=now))
    for pk in ids:
        if kinds[pk] == DeadlineKind.EXPIRE:
            fired[_expire(pk, now)] += 1
    # Follow-ups on recommendation lists (DESIGN §14) are due per list and institution, not per request.
    fired.update({kind: n for kind, n in follow_up_services.sweep_follow_ups(now=now).items() if n})
    return dict(fired)


def fire_notices(deadline_ids: list[int], *, now: datetime) -> Counter:
    """Reminders and escalations for a chunk in one transaction; requests are locked first, in pk order."""
    outcome: Counter = Counter()
    with transaction.atomic():
        request_ids = sorted(
            set(Deadline.objects.filter(pk__in=deadline_ids).values_list("request_id", flat=True))
        )
        requests = {
            r.pk: r
            for r in FinancingRequest.objects.select_for_update().filter(pk__in=request_ids).order_by("pk")
        }
        deadlines = list(
            Deadline.objects.select_for_update().filter(pk__in=deadline_ids, state=DeadlineState.PENDING)
        )
        statuses = _statuses(deadlines)
        live = [d for d in deadlines if _stage_now(d, statuses) == d.stage]
        outcome["skipped"] += len(deadline_ids) - len(live)
        Deadline.objects.filter(pk__in=[d.pk for d in live]).update(state=DeadlineState.FIRED, fired_at=now)
        escalated = [d for d in live if d.kind == DeadlineKind.ESCALATE]
        FinancingRequest.objects.filter(pk__in={d.request_id for d in escalated}).update(overdue=True)
        Referral.objects.filter(
            pk__in=[d.object_id for d in escalated if d.object_type == "referral"]
        ).update(overdue=True)
        enqueue_many(
            [
                (
                    f"deadline.{d.kind}",
                    requests[d.request_id],
                    {
                        "object_type": d.object_type,
                        "object_id": d.object_id,
                        "request_id": d.request_id,
                        "reference": requests[d.request_id].reference,
                        "stage": d.stage,
                        "due_at": d.due_at.isoformat(),
                        "kind": d.kind,
                    },
                )
                for d in live
            ],
            now=now,
        )
        outcome.update(d.kind for d in live)
    return outcome


def _statuses(deadlines: list[Deadline]) -> dict[str, dict[int, str]]:
    by_type: dict[str, dict[int, str]] = {}
    for object_type, (model, _) in MODELS.items():
        ids = [d.object_id for d in deadlines if d.object_type == object_type]
        by_type[object_type] = (
            dict(model.objects.filter(pk__in=ids).values_list("pk", "status")) if ids else {}
        )
    return by_type


def _stage_now(deadline: Deadline, statuses: dict[str, dict[int, str]]) -> str | None:
    _, stages = MODELS[deadline.object_type]
    return stages.get(statuses[deadline.object_type].get(deadline.object_id))


def _still_in_stage(deadline: Deadline) -> bool:
    model, stages = MODELS[deadline.object_type]
    status = model.objects.filter(pk=deadline.object_id).values_list("status", flat=True).first()
    return stages.get(status) == deadline.stage


def _expire(deadline_id: int, now: datetime) -> str:
    deadline = Deadline.objects.get(pk=deadline_id)
    if deadline.state != DeadlineState.PENDING or not _still_in_stage(deadline):
        return "skipped"
    expire = {
        "financing_request": lambda: request_services.expire_request(request_id=deadline.object_id),
        "referral": lambda: referral_services.expire_referral(referral_id=deadline.object_id),
        "offer": lambda: referral_services.expire_offer(offer_id=deadline.object_id),
    }[deadline.object_type]
    try:
        # The transition cancels the stage's pending deadlines, this one included, in its transaction.
        expire()
    except DomainError as exc:
        logger.info("deadline %s not expired: %s", deadline_id, exc.message)
        return "skipped"
    Deadline.objects.filter(pk=deadline_id).update(state=DeadlineState.FIRED, fired_at=now)
    return "expire"
