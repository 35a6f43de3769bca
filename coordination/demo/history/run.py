"""`seed_history`: the months before today, business day by business day, through the services."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Max, QuerySet
from django.utils import timezone

from coordination import deadline_sweep
from coordination.models import FinancingRequest, Offer, OutboxMessage, Referral
from projects.credits import services as credits
from projects.models import CreditModel, InnovationCreditScore

from ..seed.blocks import SEED
from . import applicants, coordinators, institutions
from .clock import Clock, business_days, local, months_before, quiet_settings
from .parties import APPLICANT_PREFIX, Cast
from .plans import REQUESTS_PER_MONTH, Plan, anchored_plans, drawn_plans, package_plans, pool
from .world import World

COORDINATORS = {"regional": "demo-coordinator", "national": "demo-national", "checker": "demo-national-2"}
DEMO_BANK_REVIEWER = "demo-bank"


@dataclass
class HistoryReport:
    first_day: date | None = None
    last_day: date | None = None
    requests: dict[str, int] = field(default_factory=dict)  # by status
    referrals: dict[str, int] = field(default_factory=dict)
    offers: dict[str, int] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)  # service calls made (and refused) per step
    seconds: float = 0.0
    already_there: bool = False


def history_requests() -> QuerySet[FinancingRequest]:
    """The history's requests: those its applicant logins filed."""
    return FinancingRequest.objects.filter(created_by__username__startswith=APPLICANT_PREFIX)


def _by_status(queryset: QuerySet) -> dict[str, int]:
    return dict(queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


def history_counts() -> HistoryReport:
    requests = history_requests()
    return HistoryReport(
        requests=_by_status(requests),
        referrals=_by_status(Referral.objects.filter(request__in=requests)),
        offers=_by_status(Offer.objects.filter(request__in=requests)),
    )


def _score_credits(enterprise_ids: list[int]) -> None:
    """The matcher reads innovation credits: score the history's enterprises first if nobody has yet, under
    every published version (products' minimums name theirs)."""
    year = credits.latest_year()
    if year is None:
        return
    for model in CreditModel.objects.published().order_by("published_at", "pk"):
        scored = InnovationCreditScore.objects.filter(
            model=model, year=year, enterprise_id__in=enterprise_ids
        )
        missing = sorted(set(enterprise_ids) - set(scored.values_list("enterprise_id", flat=True)))
        if missing:
            credits.compute_scores(model_id=model.pk, year=year, enterprise_ids=missing)


def settle_outbox(after_id: int) -> int:
    """The history's notifications belong to its past: marked sent when written, so the first start of
    the service does not mail, push and inbox a year of them. Returns how many."""
    return OutboxMessage.objects.filter(pk__gt=after_id, state=OutboxMessage.State.PENDING).update(
        state=OutboxMessage.State.SENT, sent_at=F("created_at")
    )


def _rounds(world: World, pending: list[Plan], enterprise_ids: dict[str, int]):
    """A business day's rounds: (hour, minute, what happens). Institutions and coordinators look twice a
    day, applicants once; the deadline sweep runs after office close (a reminder due at 09:00 fires that
    evening, still a business day before its deadline)."""

    def arrivals() -> None:
        applicants.file_arrivals(world, pending, enterprise_ids)

    def sweep() -> None:
        world.tally["sweep"] += 1
        fired = deadline_sweep.sweep(now=world.clock.now)
        if any(fired.values()):
            world.changed()
        for kind, count in fired.items():
            world.tally[f"deadline {kind}"] += count

    return (
        (9, 30, arrivals),
        (10, 30, lambda: institutions.work(world)),
        (11, 30, lambda: coordinators.work(world)),
        (14, 0, lambda: applicants.work(world)),
        (15, 0, arrivals),
        (15, 30, lambda: institutions.work(world)),
        (16, 30, lambda: coordinators.work(world)),
        (18, 5, sweep),
    )


def seed_history(*, months: int = 12, scale: int = 1, today: date | None = None) -> HistoryReport:
    """Drive the services through the `months` before `today` (Asia/Shanghai; default: today), on a
    controlled clock, in one transaction. Deterministic for a given day, months and scale on a given
    database; runs once: with history already there it changes nothing."""
    if months < 1 or scale < 1:
        raise ValueError("months and scale must be at least 1")
    if history_requests().exists():
        report = history_counts()
        report.already_there = True
        return report
    started = time.perf_counter()
    today = today or timezone.localdate()
    days = business_days(months_before(today, months), today - timedelta(days=1))
    if not days:
        return HistoryReport()
    rng = random.Random(f"{SEED}:history:{today.isoformat()}:{months}:{scale}")
    cities = pool()
    drawn = drawn_plans(rng, cities, days, round(REQUESTS_PER_MONTH * scale * months))
    anchored = anchored_plans(cities, days, len(drawn))
    packages = package_plans(cities, days, len(drawn) + len(anchored))
    plans = sorted([*drawn, *anchored, *packages], key=lambda plan: (plan.arrives, plan.key))
    users = dict(
        get_user_model().objects.filter(username__in=COORDINATORS.values()).values_list("username", "pk")
    )
    missing = sorted(set(COORDINATORS.values()) - set(users))
    if missing:
        raise ValueError(f"the demo coordinators are missing, seed the demo first: {', '.join(missing)}")
    with quiet_settings(), transaction.atomic():
        outbox_before = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
        # The applicants' logins join, and their credits are scored, on the window's first morning.
        with Clock(local(days[0], 8)) as clock:
            cast = Cast(
                {role: get_user_model().objects.get(pk=users[name]) for role, name in COORDINATORS.items()}
            )
            enterprise_ids = cast.enlist_applicants(plan.enterprise.credit_code for plan in plans)
            _score_credits(sorted(enterprise_ids.values()))
            world = World(seed=f"{SEED}:history:{today.isoformat()}", clock=clock, cast=cast, scale=scale)
            rounds = _rounds(world, plans, enterprise_ids)
            for day in days:
                for hour, minute, happen in rounds:
                    clock.at(local(day, hour, minute))
                    happen()
            # The last afternoon, demo-bank reports one default (DESIGN §10): a claim awaits approval.
            clock.at(local(days[-1], 17, 30))
            institutions.report_one_default(world, DEMO_BANK_REVIEWER)
        settle_outbox(outbox_before)
    report = history_counts()
    report.first_day, report.last_day = days[0], days[-1]
    report.steps = dict(sorted(world.tally.items()))
    report.seconds = time.perf_counter() - started
    return report
