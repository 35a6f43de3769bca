"""What the matcher knows about one request, read once in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Concat, JSONObject, Substr
from django.utils import timezone

from lenders.models import RelendingPolicy
from projects.choices import SpecialisedStatus
from projects.credits.choices import ModelStatus
from projects.models import Enterprise, InnovationCreditScore, Region, TechField

from ..choices import ReferralStatus, Role
from ..models import FinancingRequest, Offer, Referral, TransitionEvent
from ..workflow.tables import LIVE_REFERRAL

# The institution's record looks back this far.
RECORD_WINDOW_DAYS = 365
WAITING = frozenset({*LIVE_REFERRAL, ReferralStatus.OFFERED})
DEFAULT_REFINANCE_SHARE = Decimal("0.6")


def covering_codes(code: str) -> list[str]:
    """The GB/T 2260 codes of the region and of every region that contains it (province, prefecture).

    Exactly the regions R with `R.covers(region)`: a code's prefix is its leading pairs before the
    trailing "00" pairs, so a six-digit code is covered by its 2-, 4- and 6-digit prefixes padded with 0.
    """
    return list(dict.fromkeys([code[:2] + "0000", code[:4] + "00", code]))


@dataclass(frozen=True)
class CreditSnapshot:
    """The enterprise's current innovation credit (projects.credits.services.current_score), as read."""

    total: Decimal
    percentile: Decimal | None
    cohort: str
    cohort_size: int | None
    year: int
    version: str

    @classmethod
    def from_json(cls, data: dict | None) -> CreditSnapshot | None:
        if not data:
            return None

        def dec(value):
            return None if value is None else Decimal(str(value))

        return cls(
            total=dec(data["total"]),
            percentile=dec(data["percentile"]),
            cohort=data["cohort"],
            cohort_size=data["cohort_size"],
            year=data["year"],
            version=data["version"],
        )


@dataclass
class InstitutionRecord:
    """An institution's last twelve months, as the score reads it."""

    decided_in_field: int = 0
    offered_in_field: int = 0
    responded: int = 0
    avg_response_days: float | None = None
    live: int = 0


@dataclass
class MatchContext:
    request: FinancingRequest
    enterprise: Enterprise
    today: date
    pilot_zone: bool
    fields: list[TechField]
    credit: CreditSnapshot | None
    refinance_share: Decimal | None
    referrals: list[dict] = field(default_factory=list)

    @property
    def region_codes(self) -> list[str]:
        return covering_codes(self.enterprise.region.code)

    @property
    def field_ids(self) -> list[int]:
        return [f.pk for f in self.fields]

    @property
    def hard_tech_field_ids(self) -> list[int]:
        return [f.pk for f in self.fields if f.hard_tech]

    @property
    def credit_score(self) -> Decimal:
        return self.credit.total if self.credit is not None else Decimal("0")

    @property
    def tech_sme(self) -> bool:
        return bool(self.enterprise.tech_sme_registration_no)

    @property
    def on_relending_list(self) -> bool:
        """Registered tech-SMEs, valid high-tech enterprises and specialised SMEs: the re-lending list."""
        e = self.enterprise
        high_tech = bool(e.high_tech_certificate_no) and (
            e.high_tech_valid_until is None or e.high_tech_valid_until >= self.today
        )
        return self.tech_sme or high_tech or e.specialised_status != SpecialisedStatus.NONE

    @property
    def declined_institutions(self) -> set[int]:
        return {r["institution_id"] for r in self.referrals if r["status"] == ReferralStatus.DECLINED}

    def excluded_institutions(self, tranche_id: int) -> set[int]:
        """Institutions that already had this tranche, and any that declined this request."""
        had = {r["institution_id"] for r in self.referrals if r["tranche_id"] == tranche_id}
        return had | self.declined_institutions

    def waiting(self, tranche_id: int) -> int:
        """Referrals on the tranche still waiting for the institution or holding an open offer."""
        return sum(1 for r in self.referrals if r["tranche_id"] == tranche_id and r["status"] in WAITING)


def _current_credit():
    """The current score as one JSON value: the same choice as projects.credits.services.current_score."""
    return Subquery(
        InnovationCreditScore.objects.filter(
            enterprise_id=OuterRef("pk"), model__status=ModelStatus.PUBLISHED
        )
        .order_by("-model__published_at", "-model_id", "-year")
        .values(
            data=JSONObject(
                total="total",
                percentile="percentile",
                cohort="cohort",
                cohort_size="cohort_size",
                year="year",
                version="model__version",
            )
        )[:1]
    )


def _in_pilot_zone():
    """The enterprise's region, or one containing it, is an S&T finance pilot zone."""
    code = OuterRef("region__code")
    return Exists(
        Region.objects.filter(pilot_zone=True).filter(
            Q(code=code)
            | Q(code=Concat(Substr(code, 1, 4), Value("00")))
            | Q(code=Concat(Substr(code, 1, 2), Value("0000")))
        )
    )


def build_context(request: FinancingRequest, *, today: date | None = None) -> MatchContext:
    """Three queries, whatever the catalogue: the enterprise (with its region, current credit, pilot
    zone and the re-lending share in force), its fields, and the request's referrals so far."""
    today = today or timezone.localdate()
    enterprise = (
        Enterprise.objects.select_related("region")
        .annotate(
            current_credit=_current_credit(),
            in_pilot_zone=_in_pilot_zone(),
            refinance_share=Subquery(
                RelendingPolicy.objects.filter(effective_from__lte=today)
                .order_by("-effective_from")
                .values("refinance_share")[:1]
            ),
        )
        .get(pk=request.enterprise_id)
    )
    fields = list(TechField.objects.filter(enterprises=enterprise).order_by("pk"))
    referrals = list(
        Referral.objects.filter(request_id=request.pk)
        .order_by()
        .values("tranche_id", "institution_id", "product_id", "status")
    )
    share = enterprise.refinance_share
    return MatchContext(
        request=request,
        enterprise=enterprise,
        today=today,
        pilot_zone=bool(enterprise.in_pilot_zone),
        fields=fields,
        credit=CreditSnapshot.from_json(enterprise.current_credit),
        refinance_share=Decimal(str(share)) if share is not None else None,
        referrals=referrals,
    )


def referral_history(
    ctx: MatchContext, institution_ids: list[int]
) -> tuple[dict[int, InstitutionRecord], dict[int, Decimal]]:
    """One grouped query over the candidate institutions' referrals, per (institution, product):

    * the institution's record over the last twelve months — referrals decided and offered in the
      enterprise's fields, the mean time to its first action — and how many wait on it now;
    * per product, the tranche amounts of referrals still waiting on it (its pending exposure).

    Runs even without candidates (on an id that never exists), so the matcher's query count is fixed.
    """
    since = timezone.now() - timedelta(days=RECORD_WINDOW_DAYS)
    recent = Q(created_at__gte=since)
    EnterpriseField = Enterprise.fields.through
    if ctx.field_ids:
        in_field = Exists(
            EnterpriseField.objects.filter(
                enterprise_id=OuterRef("request__enterprise_id"), techfield_id__in=ctx.field_ids
            )
        )
    else:
        in_field = Value(True, output_field=BooleanField())  # no fields: the whole record counts
    first_action = (
        TransitionEvent.objects.filter(
            object_type="referral", object_id=OuterRef("pk"), actor_role=Role.INSTITUTION
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    rows = (
        Referral.objects.filter(institution_id__in=institution_ids or [0])
        .filter(recent | Q(status__in=WAITING))
        .annotate(
            in_field=in_field,
            got_offer=Exists(Offer.objects.filter(referral_id=OuterRef("pk"))),
            responded_at=Subquery(first_action),
        )
        .values("institution_id", "product_id")
        .annotate(
            decided=Count(
                "pk",
                filter=recent & Q(in_field=True) & (Q(got_offer=True) | Q(status=ReferralStatus.DECLINED)),
            ),
            offered=Count("pk", filter=recent & Q(in_field=True, got_offer=True)),
            responded=Count("responded_at", filter=recent),
            response_total=Sum(F("responded_at") - F("created_at"), filter=recent),
            live=Count("pk", filter=Q(status__in=LIVE_REFERRAL)),
            pending=Sum("tranche__amount", filter=Q(status__in=WAITING)),
        )
        .order_by()
    )
    records: dict[int, InstitutionRecord] = {}
    totals: dict[int, timedelta] = {}
    pending: dict[int, Decimal] = {}
    for row in rows:
        record = records.setdefault(row["institution_id"], InstitutionRecord())
        record.decided_in_field += row["decided"]
        record.offered_in_field += row["offered"]
        record.responded += row["responded"]
        record.live += row["live"]
        if row["response_total"] is not None:
            totals[row["institution_id"]] = (
                totals.get(row["institution_id"], timedelta()) + row["response_total"]
            )
        if row["pending"]:
            pending[row["product_id"]] = Decimal(str(row["pending"]))
    for institution_id, total in totals.items():
        record = records[institution_id]
        if record.responded:
            record.avg_response_days = total.total_seconds() / 86400 / record.responded
    return records, pending
