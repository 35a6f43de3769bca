"""Deadline rows for waiting stages: created when a stage is entered, cancelled when it is left."""

from collections.abc import Sequence
from datetime import date, datetime, time

from django.utils import timezone

from projects.models import Region
from projects.regions import code_prefix, covers

from ..choices import DeadlineKind, DeadlineState, Stage
from ..models import Deadline, FinancingRequest
from .business_days import DUE_TIME, REMIND_TIME, SHANGHAI, calendar_for, local_datetime
from .calendar_data import CalendarData, calendar_data
from .tables import DEFAULT_BUSINESS_DAYS, STAGE_DEADLINE_KINDS


def service_level(stage: str, region: Region | None, data: CalendarData | None = None) -> tuple[int, int]:
    """(business days, remind days before) for a stage; the most specific region override wins (none is
    looked at for a national matter, `region` None). From the cached table (calendar_data.py), or `data`
    already read from it."""
    rows = (data or calendar_data()).service_levels.get(stage, [])
    best: tuple[str | None, int, int] | None = None
    for row in rows:
        code = row[0]
        if code is None:
            best = best or row
        elif (
            region is not None
            and covers(code, region)
            and (best is None or best[0] is None or len(code_prefix(code)) > len(code_prefix(best[0])))
        ):
            best = row
    if best is None:
        return DEFAULT_BUSINESS_DAYS[stage], 1
    return best[1], best[2]


def stage_due_times(stage: str, region: Region | None, entered_at: datetime) -> dict[str, datetime]:
    data = calendar_data()  # one cache read for both tables
    days, remind_before = service_level(stage, region, data)
    start = timezone.localtime(entered_at, SHANGHAI).date()
    calendar = calendar_for(start, days, data)
    due_day = calendar.add_business_days(start, days)
    remind_day = calendar.subtract_business_days(due_day, remind_before) if remind_before else due_day
    due = local_datetime(due_day, DUE_TIME)
    return {
        DeadlineKind.REMIND: local_datetime(max(remind_day, start), REMIND_TIME),
        DeadlineKind.ESCALATE: due,
        DeadlineKind.EXPIRE: due,
    }


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def open_deadlines(
    *,
    request: FinancingRequest,
    object_type: str,
    object_ids: Sequence[int],
    stage: str,
    now: datetime,
    expires_on: date | None = None,
) -> list[Deadline]:
    """The deadlines of objects of one request entering one stage together: due times worked out once."""
    kinds = STAGE_DEADLINE_KINDS.get((object_type, stage), ())
    times: dict[str, datetime]
    if stage == Stage.OFFER_VALIDITY:
        assert expires_on is not None, "an offer's validity stage ends on its valid_until day"
        times = {DeadlineKind.EXPIRE: end_of_day(expires_on)}
    else:
        times = stage_due_times(stage, request.enterprise.region, now)
    rows = [
        Deadline(
            request=request,
            object_type=object_type,
            object_id=object_id,
            stage=stage,
            kind=kind,
            due_at=times[kind],
            created_at=now,
        )
        for object_id in object_ids
        for kind in kinds
    ]
    return Deadline.objects.bulk_create(rows)


def cancel_deadlines(*, object_type: str, object_ids: Sequence[int]) -> int:
    return Deadline.objects.filter(
        object_type=object_type, object_id__in=object_ids, state=DeadlineState.PENDING
    ).update(state=DeadlineState.CANCELLED)


def extend_deadlines(*, object_type: str, object_id: int, business_days: int) -> list[Deadline]:
    """Move every pending deadline of an object later by some business days (a coordinator's decision)."""
    pending = list(
        Deadline.objects.select_for_update().filter(
            object_type=object_type, object_id=object_id, state=DeadlineState.PENDING
        )
    )
    for deadline in pending:
        local = timezone.localtime(deadline.due_at, SHANGHAI)
        day = calendar_for(local.date(), business_days).add_business_days(local.date(), business_days)
        deadline.due_at = local_datetime(day, local.timetz().replace(tzinfo=None))
    Deadline.objects.bulk_update(pending, ["due_at"])
    return pending
