"""The deadline sweep: reminders before due, escalation at due, expiry where the tables say so.

Rows are claimed for a short lease in one short transaction (skip_locked), then each is fired in
its own transaction that locks the request first (the same order as every transition) and
re-checks that the deadline is still pending and its object still in that stage. Firing twice,
or two sweeps at once, is harmless.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..choices import DeadlineKind, DeadlineState
from ..errors import DomainError
from ..models import Deadline, FinancingRequest, Offer, Referral
from ..workflow.tables import OFFER_STAGES, REFERRAL_STAGES, REQUEST_STAGES
from .locking import lock_request
from .outbox import enqueue

logger = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(minutes=5)
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
    fired = {"remind": 0, "escalate": 0, "expire": 0, "skipped": 0}
    for deadline_id in claim_due(now, batch):
        outcome = fire(deadline_id, now=now)
        fired[outcome] += 1
    return fired


def fire(deadline_id: int, *, now: datetime) -> str:
    request_id = Deadline.objects.filter(pk=deadline_id).values_list("request_id", flat=True).first()
    if request_id is None:
        return "skipped"
    if Deadline.objects.filter(pk=deadline_id, kind=DeadlineKind.EXPIRE).exists():
        return _expire(deadline_id, now)
    with transaction.atomic():
        request = lock_request(request_id)
        deadline = Deadline.objects.select_for_update().get(pk=deadline_id)
        if deadline.state != DeadlineState.PENDING or not _still_in_stage(deadline):
            return "skipped"
        deadline.state, deadline.fired_at = DeadlineState.FIRED, now
        deadline.save(update_fields=["state", "fired_at"])
        if deadline.kind == DeadlineKind.ESCALATE:
            model, _ = MODELS[deadline.object_type]
            if model in (FinancingRequest, Referral):
                model.objects.filter(pk=deadline.object_id).update(overdue=True)
            if model is Referral:
                FinancingRequest.objects.filter(pk=request.pk).update(overdue=True)
        enqueue(
            topic=f"deadline.{deadline.kind}",
            request=request,
            now=now,
            payload={
                "object_type": deadline.object_type,
                "object_id": deadline.object_id,
                "request_id": request.pk,
                "reference": request.reference,
                "stage": deadline.stage,
                "due_at": deadline.due_at.isoformat(),
                "kind": deadline.kind,
            },
        )
        return deadline.kind


def _still_in_stage(deadline: Deadline) -> bool:
    model, stages = MODELS[deadline.object_type]
    status = model.objects.filter(pk=deadline.object_id).values_list("status", flat=True).first()
    return stages.get(status) == deadline.stage


def _expire(deadline_id: int, now: datetime) -> str:
    from . import referrals as referral_services
    from . import requests as request_services

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
