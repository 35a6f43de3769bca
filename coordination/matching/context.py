"""What the matcher knows about one request, read once in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.utils import timezone

from lenders.models import RelendingPolicy
from projects.choices import SpecialisedStatus
from projects.credits.services import current_score
from projects.models import Enterprise, InnovationCreditScore, Region, TechField

from ..choices import ReferralStatus, Role
from ..models import FinancingRequest, Offer, Referral, TransitionEvent
from ..workflow.tables import LIVE_REFERRAL

# The institution's record looks back this far.
RECORD_WINDOW_DAYS = 365
WAITING = frozenset({*LIVE_REFERRAL, ReferralStatus.OFFERED})


def covering_codes(code: str) -> list[str]:
    """The GB/T 2260 codes of the region and of every region that contains it (province, prefecture).

    Exactly the regions R with `R.covers(region)`: a code's prefix is its leading pairs before the
    trailing "00" pairs, so a six-digit code is covered by its 2-, 4- and 6-digit prefixes padded with 0.
    """
    return list(dict.fromkeys([code[:2] + "0000", code[:4] + "00", code]))


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
    region_ids: list[int]
    region_names: list[str]
    pilot_zone: bool
    fields: list[TechField]
    credit: InnovationCreditScore | None
    relending: RelendingPolicy | None
    referrals: list[dict] = field(default_factory=list)

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


def build_context(request: FinancingRequest, *, today: date | None = None) -> MatchContext:
    """Six queries, whatever the catalogue: enterprise, fields, regions, credit, referrals, re-lending."""
    today = today or timezone.localdate()
    enterprise = Enterprise.objects.select_related("region").get(pk=request.enterprise_id)
    fields = list(TechField.objects.filter(enterprises=enterprise).order_by("pk"))
    regions = list(Region.objects.filter(code__in=covering_codes(enterprise.region.code)).order_by("code"))
    credit = current_score(enterprise.pk)
    referrals = list(
        Referral.objects.filter(request_id=request.pk)
        .order_by()
        .values("tranche_id", "institution_id", "product_id", "status")
    )
    relending = RelendingPolicy.objects.filter(effective_from__lte=today).order_by("-effective_from").first()
    return MatchContext(
        request=request,
        enterprise=enterprise,
        today=today,
        region_ids=[r.pk for r in regions],
        region_names=[r.name for r in regions],
        pilot_zone=any(r.pilot_zone for r in regions),
        fields=fields,
        credit=credit,
        relending=relending,
        referrals=referrals,
    )


def institution_records(ctx: MatchContext, institution_ids: list[int]) -> dict[int, InstitutionRecord]:
    """One grouped query: per institution, referrals decided and offered in the enterprise's fields,
    the mean time to the institution's first action, and how many referrals it has waiting now."""
    if not institution_ids:
        return {}
    since = timezone.now() - timedelta(days=RECORD_WINDOW_DAYS)
    EnterpriseField = ctx.enterprise.fields.through
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
    offered = Exists(Offer.objects.filter(referral_id=OuterRef("pk")))
    rows = (
        Referral.objects.filter(institution_id__in=institution_ids, created_at__gte=since)
        .annotate(in_field=in_field, got_offer=offered, responded_at=Subquery(first_action))
        .values("institution_id")
        .annotate(
            decided=Count(
                "pk", filter=Q(in_field=True) & (Q(got_offer=True) | Q(status=ReferralStatus.DECLINED))
            ),
            offered=Count("pk", filter=Q(in_field=True, got_offer=True)),
            responded=Count("responded_at"),
            response_total=Sum(F("responded_at") - F("created_at")),
            live=Count("pk", filter=Q(status__in=LIVE_REFERRAL)),
        )
        .order_by()
    )
    records = {}
    for row in rows:
        average = None
        if row["responded"] and row["response_total"] is not None:
            average = row["response_total"].total_seconds() / 86400 / row["responded"]
        records[row["institution_id"]] = InstitutionRecord(
            decided_in_field=row["decided"],
            offered_in_field=row["offered"],
            responded=row["responded"],
            avg_response_days=average,
            live=row["live"],
        )
    return records


def pending_exposure(product_ids: list[int]) -> dict[int, Decimal]:
    """Per product, the tranche amounts of referrals still waiting on it (one grouped query)."""
    if not product_ids:
        return {}
    rows = (
        Referral.objects.filter(product_id__in=product_ids, status__in=WAITING)
        .values("product_id")
        .annotate(pending=Sum("tranche__amount"))
        .order_by()
    )
    return {row["product_id"]: row["pending"] or Decimal("0") for row in rows}
