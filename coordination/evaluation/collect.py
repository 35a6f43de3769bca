"""The live reads: a period's parts for every region of a scope, from the requests themselves."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone

from lenders.choices import LOAN_INSTRUMENTS, Instrument
from projects.choices import Stage
from projects.domain.size_class import SizeClass, classify_size
from projects.models import Enterprise, EnterpriseFinancials, TechField

from ..choices import DeadlineKind, ReferralStatus, RequestStatus
from ..choices import Stage as WaitingStage
from ..models import Deadline, FinancingRequest, Offer, Referral, Tranche, TransitionEvent
from ..workflow.business_days import SHANGHAI
from .business_days import counter_for
from .parts import Parts
from .scope import Filters, Period, Scope

LONG_TERM_MONTHS = 36
EARLY_YEARS = 5
SMALL = (SizeClass.SMALL, SizeClass.MICRO)
ANSWERS = (ReferralStatus.OFFERED, ReferralStatus.DECLINED)
CHUNK = 5000


def collect(period: Period, scope: Scope, filters: Filters) -> dict[int, Parts]:
    """The period's parts by the enterprise's region id (regions without anything are left out)."""
    by_region: defaultdict[int, Parts] = defaultdict(Parts)
    _submitted(by_region, period, scope, filters)
    _days_to_first_offer(by_region, period, scope, filters)
    _days_to_funding(by_region, period, scope, filters)
    _funded(by_region, period, scope, filters)
    _answers(by_region, period, scope, filters)
    return dict(by_region)


def registered_tech_smes_q(until: date):
    """Enterprises registered as tech SMEs by `until`'s year (the denominator of tech_sme_loan_share)."""
    return Enterprise.objects.exclude(tech_sme_registration_no="").filter(
        Q(tech_sme_registration_year__isnull=True) | Q(tech_sme_registration_year__lte=until.year)
    )


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment, SHANGHAI).date()


def _requests(scope: Scope, filters: Filters):
    requests = FinancingRequest.objects.filter(
        scope.region_q("enterprise__region__code"), filters.enterprise_q("enterprise")
    )
    if filters.instrument or filters.institution_kind:
        tranches = Tranche.objects.filter(request=OuterRef("pk"))
        if filters.instrument:
            tranches = tranches.filter(instrument=filters.instrument)
        if filters.institution_kind:
            tranches = tranches.filter(referrals__institution__kind=filters.institution_kind)
        requests = requests.filter(Exists(tranches))
    return requests


def _reached(status: str):
    return Exists(
        TransitionEvent.objects.filter(
            object_type="financing_request", object_id=OuterRef("pk"), to_status=status
        )
    )


def _submitted(by_region, period: Period, scope: Scope, filters: Filters) -> None:
    start, end = period.bounds()
    rows = (
        _requests(scope, filters)
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(
            reached_triage=_reached(RequestStatus.TRIAGE),
            reached_routed=Exists(Referral.objects.filter(request=OuterRef("pk"))),
            reached_offered=Exists(Offer.objects.filter(request=OuterRef("pk"))),
            reached_accepted=Exists(
                Tranche.objects.filter(request=OuterRef("pk"), accepted_offer__isnull=False)
            ),
            reached_funded=Exists(Tranche.objects.filter(request=OuterRef("pk"), funded_on__isnull=False)),
        )
        .values("enterprise__region_id")
        .annotate(
            submitted=Count("pk"),
            triage=Count("pk", filter=Q(reached_triage=True)),
            routed=Count("pk", filter=Q(reached_routed=True)),
            offered=Count("pk", filter=Q(reached_offered=True)),
            accepted=Count("pk", filter=Q(reached_accepted=True)),
            funded=Count("pk", filter=Q(reached_funded=True)),
        )
        .order_by()
    )
    for row in rows:
        parts = by_region[row.pop("enterprise__region_id")]
        parts.submitted += row["submitted"]
        parts.funnel.update(row)


def _count_days(by_region, rows: list[tuple[int, date, date]], attribute: str) -> None:
    counter = counter_for([(start, end) for _, start, end in rows])
    for region_id, start, end in rows:
        assert counter is not None
        getattr(by_region[region_id], attribute)[counter.between(start, end)] += 1


def _days_to_first_offer(by_region, period: Period, scope: Scope, filters: Filters) -> None:
    start, end = period.bounds()
    rows = (
        _requests(scope, filters)
        .filter(submitted_at__isnull=False)
        .annotate(first_offer_at=Min("offers__created_at"))
        .filter(first_offer_at__gte=start, first_offer_at__lt=end)
        .values_list("enterprise__region_id", "submitted_at", "first_offer_at")
    )
    _count_days(
        by_region,
        [(region, _local_day(sent), _local_day(offered)) for region, sent, offered in rows],
        "days_to_first_offer",
    )


def _days_to_funding(by_region, period: Period, scope: Scope, filters: Filters) -> None:
    rows = (
        _requests(scope, filters)
        .filter(submitted_at__isnull=False)
        .annotate(first_funded_on=Min("tranches__funded_on"))
        .filter(first_funded_on__gte=period.start, first_funded_on__lte=period.end)
        .values_list("enterprise__region_id", "submitted_at", "first_funded_on")
    )
    _count_days(
        by_region,
        [(region, _local_day(sent), funded) for region, sent, funded in rows],
        "days_to_funding",
    )


def _funded(by_region, period: Period, scope: Scope, filters: Filters) -> None:
    earlier_loan = Tranche.objects.filter(
        request__enterprise_id=OuterRef("request__enterprise_id"),
        instrument__in=LOAN_INSTRUMENTS,
        funded_on__isnull=False,
    ).filter(
        Q(funded_on__lt=OuterRef("funded_on")) | Q(funded_on=OuterRef("funded_on"), pk__lt=OuterRef("pk"))
    )
    hard_tech = TechField.enterprises.through.objects.filter(
        enterprise_id=OuterRef("request__enterprise_id"), techfield__hard_tech=True
    )
    rows = list(
        Tranche.objects.filter(
            funded_on__gte=period.start,
            funded_on__lte=period.end,
            funded_amount__isnull=False,
        )
        .filter(
            scope.region_q("request__enterprise__region__code"),
            filters.enterprise_q("request__enterprise"),
            filters.tranche_q(),
        )
        .annotate(first_loan=~Exists(earlier_loan), hard_tech=Exists(hard_tech))
        .values(
            "instrument",
            "funded_amount",
            "funded_on",
            "first_loan",
            "hard_tech",
            "accepted_offer__annual_rate",
            "accepted_offer__term_months",
            "request__term_months",
            "request__enterprise_id",
            "request__enterprise__region_id",
            "request__enterprise__stage",
            "request__enterprise__founded_on",
            "request__enterprise__industry",
            "request__enterprise__tech_sme_registration_no",
        )
    )
    sizes = _size_classes(rows)
    for row in rows:
        enterprise_id = row["request__enterprise_id"]
        amount: Decimal = row["funded_amount"]
        parts = by_region[row["request__enterprise__region_id"]]
        parts.funded_amount += amount
        parts.funded_enterprises.add(enterprise_id)
        if _early(
            row["request__enterprise__stage"], row["request__enterprise__founded_on"], row["funded_on"]
        ):
            parts.early_amount += amount
        if sizes.get((enterprise_id, row["funded_on"].year)) in SMALL:
            parts.small_amount += amount
        if row["hard_tech"]:
            parts.hard_tech_amount += amount
        term = row["accepted_offer__term_months"] or row["request__term_months"]
        is_loan = row["instrument"] in LOAN_INSTRUMENTS
        if row["instrument"] == Instrument.EQUITY or (is_loan and term >= LONG_TERM_MONTHS):
            parts.long_amount += amount
        if not is_loan:
            continue
        parts.loans += 1
        parts.first_loans += row["first_loan"]
        parts.loan_amount += amount
        if row["instrument"] == Instrument.CREDIT_LOAN:
            parts.credit_loan_amount += amount
        if (rate := row["accepted_offer__annual_rate"]) is not None:
            parts.rated_loan_amount += amount
            parts.rate_times_amount += rate * amount
        if row["request__enterprise__tech_sme_registration_no"]:
            parts.tech_smes_with_loan.add(enterprise_id)


def _early(stage: str, founded_on: date, funded_on: date) -> bool:
    """Start-up stage, or founded less than EARLY_YEARS before the funding (exactly 5 years is not)."""
    try:
        anniversary = founded_on.replace(year=founded_on.year + EARLY_YEARS)
    except ValueError:  # founded on 29 February: the anniversary falls on 1 March
        anniversary = date(founded_on.year + EARLY_YEARS, 3, 1)
    return stage == Stage.STARTUP or funded_on < anniversary


def _size_classes(rows: list[dict]) -> dict[tuple[int, int], SizeClass]:
    """Each (enterprise, funding year)'s size class from its latest financials up to that year."""
    wanted = {(row["request__enterprise_id"], row["funded_on"].year) for row in rows}
    industries = {row["request__enterprise_id"]: row["request__enterprise__industry"] for row in rows}
    by_enterprise: defaultdict[int, list[tuple[int, int, Decimal]]] = defaultdict(list)
    ids = sorted(industries)
    for offset in range(0, len(ids), CHUNK):
        for enterprise_id, year, staff, revenue in EnterpriseFinancials.objects.filter(
            enterprise_id__in=ids[offset : offset + CHUNK]
        ).values_list("enterprise_id", "year", "staff", "revenue"):
            by_enterprise[enterprise_id].append((year, staff, revenue))
    sizes: dict[tuple[int, int], SizeClass] = {}
    for enterprise_id, funded_year in wanted:
        years = [row for row in by_enterprise[enterprise_id] if row[0] <= funded_year]
        if years:
            _, staff, revenue = max(years)
            sizes[(enterprise_id, funded_year)] = classify_size(
                industry=industries[enterprise_id], employees=staff, revenue=revenue
            )
    return sizes


def _answers(by_region, period: Period, scope: Scope, filters: Filters) -> None:
    """Referrals answered (offer or decline) in the period: in time, offered, declined and why."""
    start, end = period.bounds()
    due = Deadline.objects.filter(
        object_type="referral",
        object_id=OuterRef("object_id"),
        stage=WaitingStage.INSTITUTION_REVIEW,
        kind=DeadlineKind.EXPIRE,
        created_at__lte=OuterRef("created_at"),
    ).order_by("-created_at", "-id")
    events = (
        TransitionEvent.objects.filter(
            object_type="referral", to_status__in=ANSWERS, created_at__gte=start, created_at__lt=end
        )
        .filter(
            scope.region_q("request__enterprise__region__code"), filters.enterprise_q("request__enterprise")
        )
        .annotate(due_at=Subquery(due.values("due_at")[:1]))
        .order_by("created_at", "id")
        .values_list("object_id", "to_status", "created_at", "due_at", "request__enterprise__region_id")
    )
    first: dict[int, tuple] = {}
    for row in events:
        first.setdefault(row[0], row)
    referral_filter = Q()
    if filters.instrument:
        referral_filter &= Q(tranche__instrument=filters.instrument)
    if filters.institution_kind:
        referral_filter &= Q(institution__kind=filters.institution_kind)
    ids = sorted(first)
    for offset in range(0, len(ids), CHUNK):
        referrals = Referral.objects.filter(referral_filter, pk__in=ids[offset : offset + CHUNK]).values_list(
            "pk", "institution_id", "decline_reason"
        )
        for referral_id, institution_id, decline_reason in referrals:
            _, answer, answered_at, due_at, region_id = first[referral_id]
            parts = by_region[region_id]
            offered = answer == ReferralStatus.OFFERED
            parts.count_answer(
                institution_id, in_time=due_at is None or answered_at <= due_at, offered=offered
            )
            if not offered:
                parts.declines[decline_reason or "other"] += 1
