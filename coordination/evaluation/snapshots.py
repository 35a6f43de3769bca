"""Monthly snapshots per region (DESIGN §11): recomputed whole, for one month at a time, so running it
twice changes nothing; beat keeps the recent months fresh (coordination/tasks.py)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from ..models import EvaluationMonth, EvaluationSnapshot
from ..workflow.business_days import SHANGHAI
from .collect import collect
from .parts import Parts
from .scope import Filters, Scope, ScopeKind, month_period

RECENT_MONTHS = 3


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def months_back(month: date, count: int) -> list[date]:
    """`month` and the `count - 1` months before it, oldest first."""
    months = []
    for back in range(count):
        index = month.year * 12 + month.month - 1 - back
        months.append(date(index // 12, index % 12 + 1, 1))
    return months[::-1]


def recompute_month(month: date) -> int:
    """Replaces the month's snapshots by a fresh computation; returns how many regions had anything."""
    month = first_of_month(month)
    parts = collect(month_period(month), Scope(ScopeKind.NATIONAL), Filters())
    now = timezone.now()
    with transaction.atomic():
        EvaluationSnapshot.objects.filter(month=month).delete()
        EvaluationSnapshot.objects.bulk_create(
            EvaluationSnapshot(region_id=region_id, month=month, figures=part.to_json(), computed_at=now)
            for region_id, part in parts.items()
        )
        EvaluationMonth.objects.update_or_create(month=month, defaults={"computed_at": now})
    return len(parts)


def refresh_recent(today: date | None = None, months: int = RECENT_MONTHS) -> list[date]:
    """Recomputes the current month and the ones before it that late events may still change."""
    today = today or timezone.localdate(timezone=SHANGHAI)
    recent = months_back(first_of_month(today), months)
    for month in recent:
        recompute_month(month)
    return recent


def snapshot_parts(scope: Scope, months: list[date]) -> dict[int, Parts] | None:
    """The scope's parts per region over the months, or None when a month has not been computed."""
    if EvaluationMonth.objects.filter(month__in=months).count() != len(months):
        return None
    by_region: dict[int, Parts] = {}
    rows = EvaluationSnapshot.objects.filter(scope.region_q("region__code"), month__in=months).values_list(
        "region_id", "figures"
    )
    for region_id, figures in rows:
        part = Parts.from_json(figures)
        if region_id in by_region:
            by_region[region_id].add(part)
        else:
            by_region[region_id] = part
    return by_region
