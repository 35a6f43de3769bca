"""Monthly snapshots per region (DESIGN §11): recomputed whole, for one month at a time, so running it
twice changes nothing; beat keeps the recent months fresh (coordination/tasks.py)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from projects.models import Region

from ..models import EvaluationMonth, EvaluationSnapshot
from ..workflow.business_days import SHANGHAI
from .collect import collect, registered_tech_smes_q
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
        EvaluationMonth.objects.update_or_create(
            month=month,
            defaults={"computed_at": now, "tech_smes": registered_by_region(month_period(month).end)},
        )
    return len(parts)


def refresh_recent(today: date | None = None, months: int = RECENT_MONTHS) -> list[date]:
    """Recomputes the current month and the ones before it that late events may still change."""
    today = today or timezone.localdate(timezone=SHANGHAI)
    recent = months_back(first_of_month(today), months)
    for month in recent:
        recompute_month(month)
    return recent


def registered_by_region(until: date) -> dict[str, int]:
    """Registered tech SMEs per region id (as JSON keys), registered by `until`'s year."""
    rows = (
        registered_tech_smes_q(until)
        .values("region_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("region_id", "count")
    )
    return {str(region_id): count for region_id, count in rows}


def snapshot_tech_smes(scope: Scope, months: list[date]) -> int | None:
    """The scope's registered tech SMEs as the last month's computation counted them."""
    last = EvaluationMonth.objects.filter(month=max(months)).values_list("tech_smes", flat=True).first()
    if last is None:
        return None
    codes = dict(Region.objects.filter(pk__in=[int(key) for key in last]).values_list("pk", "code"))
    return sum(count for key, count in last.items() if scope.covers_code(codes.get(int(key), "")))


def snapshot_parts(scope: Scope, months: list[date]) -> dict[int, Parts] | None:
    """The scope's parts per region over the months, or None when a month has not been computed."""
    if EvaluationMonth.objects.filter(month__in=months).count() != len(months):
        return None
    by_region: dict[int, Parts] = {}
    rows = EvaluationSnapshot.objects.filter(scope.region_q("region__code"), month__in=months).values_list(
        "region_id", "figures"
    )
    for region_id, figures in rows:
        if region_id not in by_region:
            by_region[region_id] = Parts()
        by_region[region_id].add_json(figures)
    return by_region
