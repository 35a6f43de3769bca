"""Major tasks' financing (DESIGN §2, §14, §11): against a task's budget, fiscal funding and financing gap,
what its requests asked, what institutions offered, what was accepted and funded — by instrument and by
institution — and the remaining gap month by month; and, for the evaluation, the gap each task closed in
a period. Reads only, from the requests, offers and fundings themselves; a fixed number of queries.

Definitions (shown with the figures):
* requested — the tranches of the task's submitted requests (by institution: the tranches routed to it);
* offered — offers made on them, less those the institution withdrew;
* accepted — accepted offers, less those of requests that ended before funding;
* funded — funding recorded; the remaining gap is the financing gap less what was funded, never below 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument
from lenders.models import Institution
from projects.models import MajorTask

from ..choices import OfferStatus, RequestStatus
from ..models import Offer, Referral, Tranche
from .indicators import share
from .scope import Period, Scope, next_month

ZERO = Decimal(0)
ENDED_BEFORE_FUNDING = (RequestStatus.WITHDRAWN, RequestStatus.EXPIRED, RequestStatus.REJECTED)
MAX_MONTHS = 60  # the timeline's length at most: five years back from this month

DEFINITIONS = {
    "requested": _("Tranches of the task's submitted requests; by institution, the tranches routed to it."),
    "offered": _("Offers made on those tranches, less offers the institution withdrew."),
    "accepted": _("Accepted offers, less those of requests that ended before funding."),
    "funded": _("Funding recorded."),
    "remaining": _("The task's financing gap less the amount funded, never below zero."),
}


@dataclass
class Amounts:
    requested: Decimal = ZERO
    offered: Decimal = ZERO
    accepted: Decimal = ZERO
    funded: Decimal = ZERO

    def add(self, **amounts: Decimal | None) -> None:
        for name, value in amounts.items():
            setattr(self, name, getattr(self, name) + (value or ZERO))


@dataclass(frozen=True)
class GapPoint:
    month: date
    funded: Decimal  # cumulative, to the month's end
    remaining: Decimal


@dataclass
class TaskFinancing:
    task: MajorTask
    totals: Amounts
    by_instrument: list[tuple[str, Amounts]]  # (instrument code, amounts)
    by_institution: list[tuple[Institution, Amounts]]
    timeline: list[GapPoint] = field(default_factory=list)

    @property
    def remaining_gap(self) -> Decimal:
        return max(self.task.financing_gap - self.totals.funded, ZERO)

    @property
    def closed_share(self) -> Decimal | None:
        return share(min(self.totals.funded, self.task.financing_gap), self.task.financing_gap)

    @property
    def instrument_rows(self) -> list[tuple[str, Amounts]]:
        """By instrument, each named in the active language (the pages' rows)."""
        return [(str(Instrument(code).label), amounts) for code, amounts in self.by_instrument]


def task_financing(task: MajorTask, *, today: date) -> TaskFinancing:
    """Five queries, whatever the task's requests, offers and institutions."""
    tranches = Tranche.objects.filter(request__major_task=task, request__submitted_at__isnull=False)
    instruments: dict[str, Amounts] = {}
    institutions: dict[int, Amounts] = {}
    for row in tranches.values("instrument", "accepted_offer__referral__institution").annotate(
        requested=Sum("amount"), funded=Sum("funded_amount", filter=Q(funded_on__isnull=False))
    ):
        instruments.setdefault(row["instrument"], Amounts()).add(
            requested=row["requested"], funded=row["funded"]
        )
        if row["funded"]:
            institutions.setdefault(row["accepted_offer__referral__institution"], Amounts()).add(
                funded=row["funded"]
            )
    offers = Offer.objects.filter(tranche__in=tranches.values("pk"))
    for row in offers.values("tranche__instrument", "referral__institution").annotate(
        offered=Sum("amount", filter=~Q(status=OfferStatus.WITHDRAWN)),
        accepted=Sum(
            "amount",
            filter=Q(status=OfferStatus.ACCEPTED) & ~Q(request__status__in=ENDED_BEFORE_FUNDING),
        ),
    ):
        instruments.setdefault(row["tranche__instrument"], Amounts()).add(
            offered=row["offered"], accepted=row["accepted"]
        )
        institutions.setdefault(row["referral__institution"], Amounts()).add(
            offered=row["offered"], accepted=row["accepted"]
        )
    referred = Referral.objects.filter(tranche__in=tranches.values("pk"))
    for row in referred.values("institution").annotate(requested=Sum("tranche__amount")):
        institutions.setdefault(row["institution"], Amounts()).add(requested=row["requested"])
    named = Institution.objects.in_bulk(list(institutions))
    totals = Amounts()
    for amounts in instruments.values():
        totals.add(**vars(amounts))
    financing = TaskFinancing(
        task=task,
        totals=totals,
        by_instrument=sorted(instruments.items(), key=lambda item: (-item[1].requested, item[0])),
        by_institution=sorted(
            ((named[pk], amounts) for pk, amounts in institutions.items()),
            key=lambda item: (-item[1].funded, -item[1].offered, item[0].name),
        ),
    )
    monthly = {
        row["month"]: row["funded"]
        for row in tranches.filter(funded_on__isnull=False)
        .annotate(month=TruncMonth("funded_on"))
        .values("month")
        .annotate(funded=Sum("funded_amount"))
    }
    financing.timeline = gap_timeline(task, monthly, today=today)
    return financing


def gap_timeline(task: MajorTask, monthly: dict[date, Decimal], *, today: date) -> list[GapPoint]:
    """The remaining gap at each month's end, from the task's start (or its first funding, if earlier) to
    this month, at most MAX_MONTHS."""
    end = today.replace(day=1)
    start = min([task.starts_on.replace(day=1), *monthly, end])
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = next_month(month)
    shown = months[-MAX_MONTHS:]
    funded = sum((amount for month, amount in monthly.items() if month < shown[0]), ZERO)
    points = []
    for month in shown:
        funded += monthly.get(month, ZERO)
        points.append(GapPoint(month, funded, max(task.financing_gap - funded, ZERO)))
    return points


@dataclass(frozen=True)
class GapClosed:
    task: MajorTask
    funded_in_period: Decimal
    funded_to_end: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.task.financing_gap - self.funded_to_end, ZERO)

    @property
    def closed_in_period_share(self) -> Decimal | None:
        return share(self.funded_in_period, self.task.financing_gap)

    @property
    def closed_share(self) -> Decimal | None:
        return share(min(self.funded_to_end, self.task.financing_gap), self.task.financing_gap)


def gap_closed(scope: Scope, period: Period) -> list[GapClosed]:
    """Each major task led from the scope: funded in the period, to its end, and the gap left. Two queries."""
    return gap_closed_of(MajorTask.objects.filter(scope.region_q("lead_enterprise__region__code")), period)


def gap_closed_of(tasks_in: QuerySet[MajorTask], period: Period) -> list[GapClosed]:
    tasks = list(tasks_in.order_by("code"))
    funded = (
        {
            row["request__major_task"]: row
            for row in Tranche.objects.filter(
                request__major_task__in=[task.pk for task in tasks],
                funded_on__isnull=False,
                funded_on__lte=period.end,
            )
            .values("request__major_task")
            .annotate(
                in_period=Sum("funded_amount", filter=Q(funded_on__gte=period.start)),
                to_end=Sum("funded_amount"),
            )
        }
        if tasks
        else {}
    )
    return [
        GapClosed(
            task,
            funded.get(task.pk, {}).get("in_period") or ZERO,
            funded.get(task.pk, {}).get("to_end") or ZERO,
        )
        for task in tasks
    ]


GAP_CLOSED_DEFINITION = _(
    "Funding recorded in the period on the requests of each major task whose lead enterprise is in the "
    "scope, against the task's financing gap; the remaining gap counts every funding to the period's end."
)
