"""What the matcher knows about one request, read once in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from config.prepared import Prepared
from lenders.models import Institution
from projects.credits.selectors import CURRENT_FIRST, current_credit_of, latest_by_version
from projects.models import Enterprise, Region, TechField
from projects.models_credits import BASE_POINTS
from projects.regions import covering_codes

from ..choices import ReferralStatus, Role
from ..models import FinancingRequest, Offer, Referral, Tranche, TransitionEvent
from ..policies.deal import Deal, Programme, with_parents
from ..policies.eligibility import on_relending_list, registered_tech_sme
from ..selectors import plain_sql
from ..selectors import policy as policy_selectors
from ..workflow.tables import LIVE_REFERRAL

# The institution's record looks back this far.
RECORD_WINDOW_DAYS = 365
WAITING = frozenset({*LIVE_REFERRAL, ReferralStatus.OFFERED})


@dataclass(frozen=True)
class CreditSnapshot:
    """The enterprise's current innovation credit (projects.credits.selectors), as the matcher reads it."""

    total: Decimal
    percentile: Decimal | None
    cohort: str
    cohort_size: int | None
    year: int
    version: str
    maximum: Decimal = BASE_POINTS  # the version's highest score (2.0: 130)


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
    referrals: list[dict] = field(default_factory=list)
    # The enterprise's current credit under each published version: products' and programmes' minimums
    # name theirs (DESIGN §5).
    credits_by_version: dict[str, Decimal] = field(default_factory=dict)
    # The policy programmes in force for the enterprise, and the facts they ask about it.
    programmes: list[Programme] = field(default_factory=list)
    first_loan: bool = False
    field_ids_with_parents: frozenset[int] = frozenset()
    # The institutions that name the enterprise's region, or one containing it, among the regions they
    # serve: the local ones (the region filter reads it for products that name no region, the score's
    # local-pilot factor for every candidate).
    local_institution_ids: frozenset[int] = frozenset()

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
        return registered_tech_sme(self.enterprise)

    @property
    def on_relending_list(self) -> bool:
        return on_relending_list(self.enterprise, self.today)

    def deal(self, tranche: Tranche, *, relending_bank: bool, annual_rate: Decimal | None = None) -> Deal:
        """The tranche as the policy programmes read a deal (the rate is the product's, indicative)."""
        return Deal(
            day=self.today,
            instrument=tranche.instrument,
            amount=tranche.amount,
            term_months=self.request.term_months,
            annual_rate=annual_rate,
            region_code=self.enterprise.region.code,
            stage=self.enterprise.stage,
            field_ids=self.field_ids_with_parents,
            tech_sme=self.tech_sme,
            on_relending_list=self.on_relending_list,
            relending_bank=relending_bank,
            first_loan=self.first_loan,
            credits=self.credits_by_version,
        )

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


def _scores_of(enterprise_id: int) -> QuerySet:
    """The enterprise's published scores, current first (the one rule,
    projects.credits.selectors.current_credit_of), each with its version and numbered in that order."""
    return current_credit_of(enterprise_id).values(
        "total",
        "percentile",
        "cohort",
        "cohort_size",
        "year",
        version=F("model__version"),
        bonus_cap=F("model__bonus_cap"),
        current_order=Window(RowNumber(), order_by=list(CURRENT_FIRST)),
    )


def _one_funded_loan(enterprise_id: int) -> QuerySet:
    """A loan of the enterprise funded here, if any (selectors.policy.funded_loans)."""
    return policy_selectors.funded_loans(enterprise_id).order_by().values("pk")[:1]


_SCORES = Prepared(_scores_of)
_FUNDED_LOAN = Prepared(_one_funded_loan)


@dataclass(frozen=True)
class _EnterpriseFacts:
    credit: CreditSnapshot | None
    credits_by_version: dict[str, Decimal]
    pilot_zone: bool
    first_loan: bool


def _enterprise_facts(enterprise: Enterprise) -> plain_sql.Read[_EnterpriseFacts]:
    """One query: the enterprise's published scores, current first (`_scores_of`, embedded as a subquery),
    whether its region or one containing it is a pilot zone, and whether it has a loan funded here
    (`_one_funded_loan`, embedded). The first score is its current credit; the first under each version its
    credit under that version (projects.credits.selectors.latest_by_version). The embedded querysets are
    compiled once per process (config/prepared.py)."""
    region = Region._meta.db_table
    codes = covering_codes(enterprise.region.code)
    credit_sql, credit_params = _SCORES.sql(enterprise.pk)
    funded_sql, funded_params = _FUNDED_LOAN.sql(enterprise.pk)
    sql = f"""
        SELECT
            (SELECT 1 FROM {region} g WHERE g.pilot_zone = %s AND g.code IN ({plain_sql.placeholders(codes)})
             LIMIT 1),
            ({funded_sql}),
            c.total, c.percentile, c.cohort, c.cohort_size, c.year, c.version, c.bonus_cap
        FROM (SELECT 1 AS one) base
        LEFT JOIN ({credit_sql}) c ON 1 = 1
        ORDER BY c.current_order
    """

    def dec(value) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    def parse(rows: list[tuple]) -> _EnterpriseFacts:
        pilot, funded_loan, total, percentile, cohort, cohort_size, year, version, bonus_cap = rows[0]
        credit = None
        credits: dict[str, Decimal] = {}
        if total is not None:
            credit = CreditSnapshot(
                total=dec(total).quantize(Decimal("0.01")),
                percentile=dec(percentile),
                cohort=cohort,
                cohort_size=cohort_size,
                year=year,
                version=version,
                maximum=BASE_POINTS + dec(bonus_cap),
            )
            credits = latest_by_version((row[7], dec(row[2]).quantize(Decimal("0.01"))) for row in rows)
        return _EnterpriseFacts(credit, credits, bool(pilot), funded_loan is None)

    return plain_sql.Read(sql, [True, *codes, *funded_params, *credit_params], parse)


def _fields(enterprise_id: int) -> plain_sql.Read[list[TechField]]:
    enterprise_fields = Enterprise.fields.through._meta.db_table
    return plain_sql.models_read(
        TechField,
        f"FROM {TechField._meta.db_table} f JOIN {enterprise_fields} ef ON ef.techfield_id = f.id "
        "WHERE ef.enterprise_id = %s ORDER BY f.id",
        [enterprise_id],
    )


def _local_institutions(region_code: str) -> plain_sql.Read[frozenset[int]]:
    """The institutions serving the region `region_code` by name: one of their regions covers it."""
    codes = covering_codes(region_code)
    served = Institution.regions.through._meta.db_table
    return plain_sql.Read(
        f"SELECT DISTINCT ir.institution_id FROM {served} ir JOIN {Region._meta.db_table} g "
        f"ON g.id = ir.region_id WHERE g.code IN ({plain_sql.placeholders(codes)})",
        codes,
        lambda rows: frozenset(institution_id for (institution_id,) in rows),
    )


def _referrals(request_id: int) -> plain_sql.Read[list[dict]]:
    return plain_sql.Read(
        f"SELECT tranche_id, institution_id, product_id, status FROM {Referral._meta.db_table} "
        "WHERE request_id = %s",
        [request_id],
        lambda rows: [
            {"tranche_id": tranche, "institution_id": institution, "product_id": product, "status": status}
            for tranche, institution, product, status in rows
        ],
    )


def build_context(request: FinancingRequest, *, today: date | None = None) -> MatchContext:
    """The context in one round trip on PostgreSQL (two when the request was read without its enterprise
    and region), whatever the catalogue: see `context_and_open_tranches`."""
    return _read_context(request, today)[0]


def context_and_open_tranches(
    request: FinancingRequest, *, today: date | None = None
) -> tuple[MatchContext, list[Tranche]]:
    """The matcher's context and the request's open tranches, read together. Six reads, sent as one on
    PostgreSQL (plain_sql.run): the enterprise's credits (current and by model version), pilot zone and
    whether a loan of it was funded here; its fields; the request's referrals so far; the policy programmes
    in force for it (with their fields and the re-lending terms); the institutions serving its region by
    name; the open tranches. Before them, the enterprise and its region when the request was read without
    them."""
    context, (tranches,) = _read_context(request, today, _open_tranches(request.pk))
    return context, tranches


def _read_context(
    request: FinancingRequest, today: date | None, *also: plain_sql.Read
) -> tuple[MatchContext, list]:
    """The context, and the results of the reads `also`, sent with the context's own."""
    today = today or timezone.localdate()
    if FinancingRequest.enterprise.is_cached(request) and Enterprise.region.is_cached(request.enterprise):
        enterprise = request.enterprise  # read with the request (routing locks it with both)
    else:
        enterprise = _enterprise_with_region(request.enterprise_id)
    reads: list[plain_sql.Read] = [
        _enterprise_facts(enterprise),
        _fields(enterprise.pk),
        policy_selectors.programmes_in_force_read(today, enterprise.region.code),
        _referrals(request.pk),
        _local_institutions(enterprise.region.code),
        *also,
    ]
    facts, fields, programmes, referrals, local_institutions, *extra = plain_sql.run(reads)
    context = MatchContext(
        request=request,
        enterprise=enterprise,
        today=today,
        pilot_zone=facts.pilot_zone,
        fields=fields,
        credit=facts.credit,
        referrals=referrals,
        programmes=programmes,
        credits_by_version=facts.credits_by_version,
        first_loan=bool(programmes) and facts.first_loan,
        field_ids_with_parents=with_parents((f.pk, f.parent_id) for f in fields),
        local_institution_ids=local_institutions,
    )
    return context, extra


def _enterprise_with_region(enterprise_id: int) -> Enterprise:
    """The enterprise with its region. One query, in plain SQL (selectors.plain_sql)."""
    region_fields = Region._meta.concrete_fields
    rows = plain_sql.instances(
        Enterprise,
        f"FROM {Enterprise._meta.db_table} f JOIN {Region._meta.db_table} g ON g.id = f.region_id "
        "WHERE f.id = %s",
        [enterprise_id],
        extra=tuple(f'g."{field.column}"' for field in region_fields),
    )
    if not rows:
        raise Enterprise.DoesNotExist()
    enterprise, region = rows[0]
    enterprise.region = Region.from_db(
        None,
        [field.attname for field in region_fields],
        plain_sql.convert(region, plain_sql.converters(region_fields, "g")),
    )
    return enterprise


def _open_tranches(request_id: int) -> plain_sql.Read[list[Tranche]]:
    """The request's tranches without an accepted offer, in order."""
    return plain_sql.models_read(
        Tranche,
        f"FROM {Tranche._meta.db_table} f WHERE f.request_id = %s AND f.accepted_offer_id IS NULL "
        "ORDER BY f.position",
        [request_id],
    )


def _seconds_between(later: str, earlier: str) -> str:
    """SQL for the seconds from `earlier` to `later` (two timestamp expressions)."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _fence() -> str:
    """Ends a subquery that PostgreSQL must not pull up into the query around it: pulled up, each use of
    one of its columns repeats the column's correlated subqueries (the history query's first action ran
    three times per referral, its field test twice) and doubles the planning. In an EXISTS it keeps the
    test a probe per row (an index lookup for the few referrals) rather than a hash of every enterprise in
    the fields. SQLite runs it as written."""
    return "OFFSET 0" if connection.vendor == "postgresql" else ""


def referral_history(
    ctx: MatchContext, institution_ids: list[int]
) -> tuple[dict[int, InstitutionRecord], dict[int, Decimal]]:
    """The candidate institutions' records in the request's enterprise's fields (see institution_history)."""
    return institution_history(institution_ids, field_ids=ctx.field_ids)


def institution_history(
    institution_ids: list[int], *, field_ids: list[int]
) -> tuple[dict[int, InstitutionRecord], dict[int, Decimal]]:
    """One grouped query over the institutions' referrals, per (institution, product):

    * the institution's record over the last twelve months — referrals decided and offered in the
      fields `field_ids` (none: in every field), the mean time to its first action — and how many
      wait on it now;
    * per product, the tranche amounts of referrals still waiting on it (its pending exposure).

    The matcher reads it for its candidates, and the institution's performance page for the
    institution and its peers (coordination/selectors/institution_performance.py): one rule.

    Plain SQL (portable between PostgreSQL and SQLite): the same query through the ORM's expressions
    cost several times its execution in Python on every request. Runs even without candidates (on a
    condition no referral meets), so the matcher's query count is fixed.
    """
    records: dict[int, InstitutionRecord] = {}
    seconds: dict[int, float] = {}
    pending: dict[int, Decimal] = {}
    for (
        institution_id,
        product_id,
        _field,
        decided,
        offered,
        responded,
        response_seconds,
        live,
        amount,
    ) in _history_rows(institution_ids, field_ids=field_ids, per_field=False):
        record = records.setdefault(institution_id, InstitutionRecord())
        record.decided_in_field += int(decided or 0)
        record.offered_in_field += int(offered or 0)
        record.responded += int(responded or 0)
        record.live += int(live or 0)
        if response_seconds is not None:
            seconds[institution_id] = seconds.get(institution_id, 0.0) + float(response_seconds)
        if amount:
            pending[product_id] = Decimal(str(amount)).quantize(Decimal("0.01"))
    for institution_id, total in seconds.items():
        record = records[institution_id]
        if record.responded:
            record.avg_response_days = total / 86400 / record.responded
    return records, pending


def institution_history_by_field(
    institution_ids: list[int], *, field_ids: list[int]
) -> dict[int, dict[int, InstitutionRecord]]:
    """The referrals decided and offered in each of `field_ids` (field id -> institution id -> record),
    what `institution_history` counts for that one field, in one query whatever the number of fields.
    Only `decided_in_field` and `offered_in_field` are filled in."""
    by_field: dict[int, dict[int, InstitutionRecord]] = {}
    if not field_ids:
        return by_field
    for institution_id, _product, field_id, decided, offered, *_rest in _history_rows(
        institution_ids, field_ids=field_ids, per_field=True
    ):
        record = by_field.setdefault(field_id, {}).setdefault(institution_id, InstitutionRecord())
        record.decided_in_field += int(decided or 0)
        record.offered_in_field += int(offered or 0)
    return by_field


def _history_rows(institution_ids: list[int], *, field_ids: list[int], per_field: bool) -> list[tuple]:
    """The grouped history rows (institution, product, field, decided, offered, responded, response
    seconds, live, pending amount). `per_field`: one row per field of `field_ids` the referral's enterprise
    works in (the figures then count in that field); else the field is NULL and "in field" means in any
    of `field_ids` (none: every referral)."""
    since = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(days=RECORD_WINDOW_DAYS))
    institutions, institution_params = plain_sql.in_ids("r.institution_id", list(institution_ids))
    waiting = sorted(WAITING)
    live = sorted(LIVE_REFERRAL)
    referral, tranche, request = (
        Referral._meta.db_table,
        Tranche._meta.db_table,
        FinancingRequest._meta.db_table,
    )
    offer, event = Offer._meta.db_table, TransitionEvent._meta.db_table
    enterprise_fields = Enterprise.fields.through._meta.db_table
    field_join, field_column, join_params = "", "NULL", []
    if per_field:
        # Each (referral, field) once: the enterprise's field links are unique.
        field_join = (
            f"JOIN {enterprise_fields} ef ON ef.enterprise_id = q.enterprise_id "
            f"AND ef.techfield_id IN ({plain_sql.placeholders(field_ids)})"
        )
        field_column, join_params = "ef.techfield_id", list(field_ids)
        in_field, field_params = "1 = 1", []
    elif field_ids:
        in_field = (
            f"EXISTS (SELECT 1 FROM {enterprise_fields} ef WHERE ef.enterprise_id = q.enterprise_id "
            f"AND ef.techfield_id IN ({plain_sql.placeholders(field_ids)}) {_fence()})"
        )
        field_params = list(field_ids)
    else:
        in_field, field_params = "1 = 1", []  # an enterprise without fields: the whole record counts
    sql = f"""
        SELECT x.institution_id, x.product_id, x.field_id,
               SUM(CASE WHEN x.recent = 1 AND x.in_field = 1 AND (x.got_offer = 1 OR x.status = %s)
                        THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.recent = 1 AND x.in_field = 1 AND x.got_offer = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.recent = 1 AND x.responded_at IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.recent = 1 AND x.responded_at IS NOT NULL
                        THEN {_seconds_between("x.responded_at", "x.created_at")} END),
               SUM(CASE WHEN x.status IN ({plain_sql.placeholders(live)}) THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.status IN ({plain_sql.placeholders(waiting)}) THEN x.amount END)
        FROM (
            SELECT r.institution_id, r.product_id, r.status, r.created_at, t.amount,
                   {field_column} AS field_id,
                   CASE WHEN r.created_at >= %s THEN 1 ELSE 0 END AS recent,
                   CASE WHEN EXISTS (SELECT 1 FROM {offer} o WHERE o.referral_id = r.id)
                        THEN 1 ELSE 0 END AS got_offer,
                   CASE WHEN {in_field} THEN 1 ELSE 0 END AS in_field,
                   (SELECT MIN(e.created_at) FROM {event} e
                     WHERE e.object_type = %s AND e.object_id = r.id AND e.actor_role = %s) AS responded_at
            FROM {referral} r
            JOIN {tranche} t ON t.id = r.tranche_id
            JOIN {request} q ON q.id = r.request_id
            {field_join}
            WHERE {institutions}
              AND (r.created_at >= %s OR r.status IN ({plain_sql.placeholders(waiting)}))
            {_fence()}
        ) x
        GROUP BY x.institution_id, x.product_id, x.field_id
    """
    params = [
        ReferralStatus.DECLINED,
        *live,
        *waiting,
        since,
        *field_params,
        "referral",
        Role.INSTITUTION,
        *join_params,
        *institution_params,
        since,
        *waiting,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
