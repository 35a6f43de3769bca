from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from projects.credits.selectors import current_credit_prefetch, prefetched_current_credit_band
from projects.evaluation import evaluate_year, latest_financials, size_class_for_year
from projects.models import Enterprise, EnterpriseFinancials, Region

from ..choices import DeadlineKind, DeadlineState, TechSmeStatus
from ..models import (
    Deadline,
    Referral,
)
from .scoping import User, coordinator_scope
from .viewer import Viewer


def sees_teaser_only(viewer: Viewer, referral: Referral) -> bool:
    """The one rule: until its institution opens a referral, the institution's people read the anonymised
    teaser only (`referral_teaser`): no name, credit code, documents or financials. Coordinators and the
    applicant itself always read the full referral. `teaser_only_q` is the same rule as a filter."""
    return (
        referral.opened_at is None
        and viewer.scope is None
        and referral.institution_id in viewer.institution_ids
        and referral.request.enterprise_id not in viewer.enterprise_ids
    )


def teaser_only_q(viewer: Viewer) -> Q:
    """`sees_teaser_only` as a filter on referrals: the rows `viewer` reads as a teaser only."""
    if viewer.scope is not None or not viewer.institution_ids:
        return Q(pk__in=[])
    return Q(opened_at__isnull=True, institution_id__in=viewer.institution_ids) & ~Q(
        request__enterprise_id__in=viewer.enterprise_ids
    )


@dataclass(frozen=True)
class Teaser:
    """A referral as the anonymised teaser shows it: where, what field and stage, how big, what is asked."""

    province_code: str
    province: str
    fields: list[tuple[str, str]]  # (code, name)
    stage: str
    size_class: str | None
    amount: Decimal  # the whole request
    tranche_amount: Decimal
    term_months: int
    instruments: list[str]  # every tranche's, in order
    innovation_credit_band: str | None
    tech_sme_status: str

    @property
    def field_codes(self) -> list[str]:
        return [code for code, _name in self.fields]


TEASER_SELECT = ("tranche", "request__enterprise__region__parent__parent")


TEASER_PREFETCH = (
    "request__tranches",
    "request__enterprise__fields",
    "request__enterprise__financials",
)


def with_teaser_data(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related(*TEASER_SELECT).prefetch_related(
        *TEASER_PREFETCH, current_credit_prefetch("request__enterprise__credit_scores")
    )


def province_of(region: Region) -> Region:
    """The province-level region containing `region` (GB/T 2260: "xx0000"), from its loaded parents."""
    province_code = region.code[:2] + "0000"
    node: Region | None = region
    while node is not None:
        if node.code == province_code:
            return node
        node = node.parent if node.parent_id else None
    # Only on incomplete reference data: never show a finer place than the province.
    return Region.objects.filter(code=province_code).first() or Region(code=province_code, name=province_code)


def tech_sme_status(enterprise: Enterprise) -> str:
    """Registered tech-SME, meets the criteria on its latest financials without registration, or neither."""
    return tech_sme_status_on(enterprise, latest_financials(enterprise))


def tech_sme_status_on(enterprise: Enterprise, latest: EnterpriseFinancials | None) -> str:
    """`tech_sme_status` with the enterprise's latest financials (None without any) already at hand."""
    if enterprise.tech_sme_registration_no:
        return TechSmeStatus.REGISTERED
    if latest is not None:
        latest.enterprise = enterprise
        if evaluate_year(latest).qualified:
            return TechSmeStatus.QUALIFIES
    return TechSmeStatus.NO


def size_class_of(enterprise: Enterprise) -> str | None:
    return size_class_on(enterprise, latest_financials(enterprise))


def size_class_on(enterprise: Enterprise, latest: EnterpriseFinancials | None) -> str | None:
    """`size_class_of` with the enterprise's latest financials (None without any) already at hand."""
    if latest is None:
        return None
    latest.enterprise = enterprise
    return size_class_for_year(latest).value


def referral_teaser(referral: Referral) -> Teaser:
    """The teaser of DESIGN §1, the same for the API and the pages (load rows with `with_teaser_data`)."""
    request = referral.request
    enterprise = request.enterprise
    return teaser_of(
        enterprise,
        province=province_of(enterprise.region),
        fields=[(f.code, f.name) for f in enterprise.fields.all()],
        latest=latest_financials(enterprise),
        credit_band=prefetched_current_credit_band(enterprise),
        amount=request.amount,
        tranche_amount=referral.tranche.amount,
        term_months=request.term_months,
        instruments=[t.instrument for t in sorted(request.tranches.all(), key=lambda t: t.position)],
    )


def teaser_of(
    enterprise: Enterprise,
    *,
    province: Region,
    fields: list[tuple[str, str]],
    latest: EnterpriseFinancials | None,
    credit_band: str | None,
    amount: Decimal,
    tranche_amount: Decimal,
    term_months: int,
    instruments: list[str],
) -> Teaser:
    """The teaser from the facts it is made of, however they were read: model objects (`referral_teaser`)
    or a list's `.values()` rows (the API's referral list). `enterprise` gives the stage and what the
    tech-SME criteria read; `latest` is its latest financials; `fields` are (code, name) in the fields'
    order; `instruments` are every tranche's of the request, by position."""
    return Teaser(
        province_code=province.code,
        province=province.name,
        fields=fields,
        stage=enterprise.stage,
        size_class=size_class_on(enterprise, latest),
        amount=amount,
        tranche_amount=tranche_amount,
        term_months=term_months,
        instruments=instruments,
        innovation_credit_band=credit_band,
        tech_sme_status=tech_sme_status_on(enterprise, latest),
    )


def institution_referrals(user: User) -> QuerySet[Referral]:
    """The referrals routed to the user's institutions: what the institution pages list and show.

    Coordinators never act as an institution (DESIGN §1), so a coordinator gets none."""
    if not user.is_authenticated or coordinator_scope(user) is not None:
        return Referral.objects.none()
    return Referral.objects.filter(institution__members=user).select_related(
        "institution", "product", "request"
    )


def referral_queue(user: User, *, now: datetime) -> QuerySet[Referral]:
    """The user's institution's referrals by deadline: overdue first, then the nearest due, then the rest
    (decided referrals, which wait on nobody), newest first. Each row carries `due_at` (its stage's
    pending due time, or None) and `is_overdue`."""
    due = (
        Deadline.objects.filter(
            object_type="referral",
            object_id=OuterRef("pk"),
            state=DeadlineState.PENDING,
            kind__in=[DeadlineKind.ESCALATE, DeadlineKind.EXPIRE],
        )
        .values("object_id")
        .annotate(due=Min("due_at"))
        .values("due")
    )
    return (
        institution_referrals(user)
        .annotate(due_at=Subquery(due[:1]))
        .annotate(
            is_overdue=Case(
                When(Q(overdue=True) | Q(due_at__lt=now), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-is_overdue", F("due_at").asc(nulls_last=True), "-created_at", "-id")
    )
