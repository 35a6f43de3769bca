"""Hard filters, twice: in Python for chosen products (the check that guards every routing; one rule,
`_reasons`, over facts read per product or in bulk for a whole routing), and in SQL for the whole
catalogue (what the matcher ranks). The two must agree exactly; tests/matching checks it on random
catalogues.

The filters: product and institution active, inside the product's active window, instrument, amount
range, term range, the enterprise's stage, region (the product's regions, else the institution's;
none means everywhere), field (none means every field), tech-SME registration, minimum innovation
credit (the enterprise's current credit under the model version the minimum names, DESIGN §5), capacity
left, and no institution twice on a tranche or again after it declined the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from lenders.choices import Instrument
from lenders.models import STAGE_FLAGS, Institution, Product
from projects.choices import Stage
from projects.credits.selectors import credit_under, credits_by_version, meets_minimum
from projects.models import Enterprise, Region
from projects.regions import covers

from ..choices import ReferralStatus, label_of, lower_first
from ..models import FinancingRequest, Referral, Tranche
from ..selectors.plain_sql import in_ids, placeholders
from .context import MatchContext

ProductRegion = Product.regions.through
ProductField = Product.fields.through
InstitutionRegion = Institution.regions.through


def ineligibility_reasons(
    product: Product,
    tranche: Tranche,
    request: FinancingRequest,
    *,
    today: date,
    credits: Mapping[str, Decimal] | None = None,
) -> list[str]:
    """Why `product` may not take `tranche`; empty when it may. `credits` (the enterprise's credits by
    model version) saves a query when known."""
    enterprise = request.enterprise
    if credits is None and product.min_credit_score > 0:
        credits = credits_by_version(enterprise.pk)
    earlier = set(
        Referral.objects.filter(institution_id=product.institution_id)
        .filter(Q(tranche=tranche) | Q(request_id=request.pk, status=ReferralStatus.DECLINED))
        .values_list("tranche_id", "status")
    )
    field_ids = {field.pk for field in product.fields.all()}
    return _reasons(
        product,
        tranche,
        request,
        today=today,
        credits=credits,
        regions=list(product.regions.all()) or list(product.institution.regions.all()),
        field_ids=field_ids,
        # Read only when the product names fields: only then does the rule look at them.
        enterprise_field_ids={field.pk for field in enterprise.fields.all()} if field_ids else set(),
        earlier=earlier,
    )


def ineligibility_reasons_in_bulk(
    ctx: MatchContext, pairs: Sequence[tuple[Product, Tranche]]
) -> list[list[str]]:
    """`ineligibility_reasons` of every (product, tranche) pair of the context's request, in order, in
    one query whatever their number (the products' regions, their institutions' regions and the products'
    fields together); the enterprise, its fields, its credits by model version (read once, with the
    context) and the request's referrals come from the context."""
    product_ids = sorted({product.pk for product, _ in pairs}) or [0]
    institution_ids = sorted({product.institution_id for product, _ in pairs}) or [0]
    product_regions: dict[int, list[str]] = {}
    institution_regions: dict[int, list[str]] = {}
    product_fields: dict[int, set[int]] = {}
    # The fields first: PostgreSQL types each column of a UNION by its first branch that is not NULL.
    sql = f"""
        SELECT 3, pf.product_id, NULL, pf.techfield_id FROM {PRODUCT_FIELDS} pf
         WHERE pf.product_id IN ({placeholders(product_ids)})
        UNION ALL
        SELECT 1, pr.product_id, g.code, NULL FROM {PRODUCT_REGIONS} pr
          JOIN {REGION} g ON g.id = pr.region_id
         WHERE pr.product_id IN ({placeholders(product_ids)})
        UNION ALL
        SELECT 2, ir.institution_id, g.code, NULL FROM {INSTITUTION_REGIONS} ir
          JOIN {REGION} g ON g.id = ir.region_id
         WHERE ir.institution_id IN ({placeholders(institution_ids)})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*product_ids, *product_ids, *institution_ids])
        for source, owner_id, code, field_id in cursor.fetchall():
            if source == 1:
                product_regions.setdefault(owner_id, []).append(code)
            elif source == 2:
                institution_regions.setdefault(owner_id, []).append(code)
            else:
                product_fields.setdefault(owner_id, set()).add(field_id)
    return [
        _reasons(
            product,
            tranche,
            ctx.request,
            today=ctx.today,
            credits=ctx.credits_by_version,
            enterprise=ctx.enterprise,
            regions=product_regions.get(product.pk) or institution_regions.get(product.institution_id, []),
            field_ids=product_fields.get(product.pk, set()),
            enterprise_field_ids=set(ctx.field_ids),
            earlier={
                (r["tranche_id"], r["status"])
                for r in ctx.referrals
                if r["institution_id"] == product.institution_id
                and (r["tranche_id"] == tranche.pk or r["status"] == ReferralStatus.DECLINED)
            },
        )
        for product, tranche in pairs
    ]


def _reasons(
    product: Product,
    tranche: Tranche,
    request: FinancingRequest,
    *,
    today: date,
    credits: Mapping[str, Decimal] | None,
    regions: Sequence[Region | str],
    field_ids: set[int],
    enterprise_field_ids: set[int],
    earlier: set[tuple[int, str]],
    enterprise: Enterprise | None = None,
) -> list[str]:
    """The hard filters over facts already read: the product's regions or their codes (else its
    institution's), its
    fields, the enterprise's fields, the institution's earlier referrals (tranche id, status) on this
    tranche or declined on this request. `credits` (by model version) is needed only when the product sets
    a minimum."""
    reasons = []
    enterprise = enterprise or request.enterprise
    if not product.is_active or not product.institution.is_active:
        reasons.append(gettext("product is not active"))
    if product.active_from > today or (product.active_until and product.active_until < today):
        reasons.append(gettext("outside the product's active window"))
    if product.instrument != tranche.instrument:
        reasons.append(
            gettext("instrument %(product)s does not match the tranche's %(tranche)s")
            % {
                "product": label_of(Instrument, product.instrument),
                "tranche": label_of(Instrument, tranche.instrument),
            }
        )
    if not product.min_amount <= tranche.amount <= product.max_amount:
        reasons.append(gettext("amount outside the product's range"))
    if not product.min_term_months <= request.term_months <= product.max_term_months:
        reasons.append(gettext("term outside the product's range"))
    if not product.serves_stage(enterprise.stage):
        reasons.append(
            gettext("product does not serve %(stage)s enterprises")
            % {"stage": lower_first(label_of(Stage, enterprise.stage))}
        )
    if product.requires_tech_sme and not enterprise.tech_sme_registration_no:
        reasons.append(gettext("product requires tech-SME registration"))
    if product.min_credit_score > 0:
        assert credits is not None, "a product with a minimum credit needs the enterprise's credits"
        if not meets_minimum(credits, product.min_credit_score, product.min_credit_version):
            reasons.append(
                gettext(
                    "innovation credit %(score)s under model %(version)s is below the product's minimum"
                    " %(minimum)s"
                )
                % {
                    "score": credit_under(credits, product.min_credit_version) or Decimal("0"),
                    "version": product.min_credit_version,
                    "minimum": product.min_credit_score,
                }
            )
    if product.capacity_left < tranche.amount:
        reasons.append(gettext("product has not enough capacity left"))
    if regions and not any(covers(region, enterprise.region) for region in regions):
        reasons.append(gettext("enterprise's region is not served"))
    if field_ids and not field_ids & enterprise_field_ids:
        reasons.append(gettext("enterprise's fields are not eligible"))
    if any(tranche_id == tranche.pk for tranche_id, _ in earlier):
        reasons.append(gettext("this institution already had this tranche"))
    if any(status == ReferralStatus.DECLINED for _, status in earlier):
        reasons.append(gettext("this institution declined this request earlier"))
    return reasons


PRODUCT = Product._meta.db_table
INSTITUTION = Institution._meta.db_table
REGION = Region._meta.db_table
PRODUCT_REGIONS = ProductRegion._meta.db_table
PRODUCT_FIELDS = ProductField._meta.db_table
INSTITUTION_REGIONS = InstitutionRegion._meta.db_table


def products_with_institutions() -> str:
    """FROM the products with their institutions: what every condition below reads. On PostgreSQL each
    product that passes the filters looks its institution up (a fenced lateral subquery): joined, the
    planner hashed every institution of the catalogue for the ~200 rows that pass."""
    if connection.vendor == "postgresql":
        return (
            f'FROM "{PRODUCT}" CROSS JOIN LATERAL (SELECT * FROM "{INSTITUTION}" i '
            f'WHERE i."id" = "{PRODUCT}"."institution_id" OFFSET 0) "{INSTITUTION}"'
        )
    return (
        f'FROM "{PRODUCT}" INNER JOIN "{INSTITUTION}" '
        f'ON ("{PRODUCT}"."institution_id" = "{INSTITUTION}"."id")'
    )


@dataclass(frozen=True)
class Sql:
    """A condition over `products_with_institutions()` in plain SQL with its parameters; empty: no condition.

    The matcher's query is written in SQL, not built through the ORM's expressions: building and compiling
    it cost more than running it, on every request."""

    text: str = ""
    params: tuple = ()

    def __and__(self, other: Sql) -> Sql:
        if not self.text or not other.text:
            return self if other.text == "" else other
        return Sql(f"({self.text}) AND ({other.text})", self.params + other.params)

    def __or__(self, other: Sql) -> Sql:
        if not self.text or not other.text:
            return Sql()  # one side holds for every product
        return Sql(f"({self.text}) OR ({other.text})", self.params + other.params)

    def __invert__(self) -> Sql:
        return Sql(f"NOT ({self.text})", self.params) if self.text else Sql("1 = 0")

    @property
    def where(self) -> str:
        return self.text or "1 = 1"

    def expression(self) -> RawSQL:
        """The condition as a boolean annotation of a product queryset (its institution joined when the
        condition reads it)."""
        return RawSQL(self.where, list(self.params), output_field=BooleanField())


def _column(name: str, table: str = PRODUCT) -> str:
    return f'"{table}"."{name}"'


def amount_condition(tranche: Tranche) -> Sql:
    return Sql(
        f"{_column('min_amount')} <= %s AND {_column('max_amount')} >= %s", (tranche.amount, tranche.amount)
    )


def capacity_condition(tranche: Tranche) -> Sql:
    return Sql(f"{_column('yearly_capacity')} >= ({_column('capacity_used')} + %s)", (tranche.amount,))


def institution_condition(ctx: MatchContext, tranche: Tranche) -> Sql:
    excluded = sorted(ctx.excluded_institutions(tranche.pk))
    if not excluded:
        return Sql()
    return Sql(f"NOT ({_column('institution_id')} IN ({placeholders(excluded)}))", tuple(excluded))


def tranche_condition(ctx: MatchContext, tranche: Tranche) -> Sql:
    """The per-tranche filters: instrument, amount range, capacity left, institutions excluded."""
    return (
        Sql(f"{_column('instrument')} = %s", (tranche.instrument,))
        & amount_condition(tranche)
        & capacity_condition(tranche)
        & institution_condition(ctx, tranche)
    )


def active_condition(ctx: MatchContext) -> Sql:
    today = connection.ops.adapt_datefield_value(ctx.today)
    return Sql(
        f"{_column('is_active')} AND {_column('is_active', INSTITUTION)} AND {_column('active_from')} <= %s "
        f"AND ({_column('active_until')} IS NULL OR {_column('active_until')} >= %s)",
        (today, today),
    )


def term_condition(ctx: MatchContext) -> Sql:
    term = ctx.request.term_months
    return Sql(f"{_column('min_term_months')} <= %s AND {_column('max_term_months')} >= %s", (term, term))


def stage_condition(ctx: MatchContext) -> Sql:
    return Sql(_column(STAGE_FLAGS[ctx.enterprise.stage]))


def tech_sme_condition(ctx: MatchContext) -> Sql:
    return Sql() if ctx.tech_sme else Sql(f"NOT {_column('requires_tech_sme')}")


def credit_condition(ctx: MatchContext) -> Sql:
    """No minimum, or a minimum the enterprise's credit under the minimum's version reaches (the SQL form of
    `meets_minimum`)."""
    condition = Sql(f"{_column('min_credit_score')} <= %s", (Decimal(0),))
    for version, credit in sorted(ctx.credits_by_version.items()):
        condition |= Sql(
            f"{_column('min_credit_version')} = %s AND {_column('min_credit_score')} <= %s", (version, credit)
        )
    return condition


# Region sets are uncorrelated IN-subqueries that PostgreSQL hashes once per query and estimates truly
# (correlated EXISTS made its cost estimate large enough to switch on JIT compilation, 100+ ms, for
# multi-tranche requests); "names no field" is a correlated NOT EXISTS, an index probe for the rows that
# pass the cheap filters.
def _product_names_regions(codes: list[str] | None = None) -> Sql:
    if codes is None:
        return Sql(f"{_column('id')} IN (SELECT pr.product_id FROM {PRODUCT_REGIONS} pr)")
    return Sql(
        f"{_column('id')} IN (SELECT pr.product_id FROM {PRODUCT_REGIONS} pr "
        f"JOIN {REGION} g ON g.id = pr.region_id WHERE g.code IN ({placeholders(codes)}))",
        tuple(codes),
    )


def _institution_names_regions() -> Sql:
    return Sql(f"{_column('institution_id')} IN (SELECT ir.institution_id FROM {INSTITUTION_REGIONS} ir)")


def _product_names_fields(field_ids: list[int] | None = None) -> Sql:
    if field_ids is None:
        return Sql(f"EXISTS (SELECT 1 FROM {PRODUCT_FIELDS} pf WHERE pf.product_id = {_column('id')})")
    return Sql(
        f"{_column('id')} IN (SELECT pf.product_id FROM {PRODUCT_FIELDS} pf "
        f"WHERE pf.techfield_id IN ({placeholders(field_ids)}))",
        tuple(field_ids),
    )


def region_condition(ctx: MatchContext) -> Sql:
    """The product's regions cover the enterprise; or it names none and its institution's do (or none)."""
    return _product_names_regions(ctx.region_codes) | (
        ~_product_names_regions() & (institution_covers(ctx) | ~_institution_names_regions())
    )


def field_condition(ctx: MatchContext) -> Sql:
    """The product names no field, or one of the enterprise's."""
    condition = ~_product_names_fields()
    if ctx.field_ids:
        condition |= _product_names_fields(ctx.field_ids)
    return condition


def request_condition(ctx: MatchContext) -> Sql:
    """The filters every tranche of the request shares: activity, term, stage, region, field, credit."""
    return (
        active_condition(ctx)
        & term_condition(ctx)
        & stage_condition(ctx)
        & tech_sme_condition(ctx)
        & credit_condition(ctx)
        & region_condition(ctx)
        & field_condition(ctx)
    )


def institution_covers(ctx: MatchContext) -> Sql:
    """The product's institution serves the enterprise's region by name (not merely nationwide): one of the
    context's local institutions, read with it (the query then hashes a list, not a join of two tables)."""
    sql, params = in_ids(_column("institution_id"), sorted(ctx.local_institution_ids))
    return Sql(sql, tuple(params))


def targets_hard_tech(ctx: MatchContext) -> Sql:
    """The product lists one of the enterprise's hard-tech fields among its eligible fields."""
    if not ctx.hard_tech_field_ids:
        return Sql("1 = 0")
    return _product_names_fields(ctx.hard_tech_field_ids)


# Every concrete column, so that a materialized instance is complete (nothing deferred, safe to save).
PRODUCT_FIELDS_READ = tuple(Product._meta.concrete_fields)
INSTITUTION_FIELDS_READ = tuple(Institution._meta.concrete_fields)


def eligible_products(ctx: MatchContext, tranches: Sequence[Tranche]) -> Sql:
    """Every product eligible for at least one of `tranches`, in one query, ordered by id: each row is the
    product's columns (PRODUCT_FIELDS_READ), its institution's (INSTITUTION_FIELDS_READ), whether the
    product targets a hard-tech field of the enterprise (`targets_hard_tech`), then whether it fits each
    tranche, in order. (Whether its institution is local, the context knows: `local_institution_ids`.)"""
    flags = [tranche_condition(ctx, tranche) for tranche in tranches]
    any_tranche = Sql(
        " OR ".join(f"({flag.where})" for flag in flags), tuple(p for flag in flags for p in flag.params)
    )
    hard_tech = targets_hard_tech(ctx)
    select = [
        *(_column(f.column) for f in PRODUCT_FIELDS_READ),
        *(_column(f.column, INSTITUTION) for f in INSTITUTION_FIELDS_READ),
        *(f"({condition.where})" for condition in (hard_tech, *flags)),
    ]
    where = request_condition(ctx) & any_tranche
    return Sql(
        f"SELECT {', '.join(select)} {products_with_institutions()} WHERE {where.where} "
        f"ORDER BY {_column('id')}",
        (
            *hard_tech.params,
            *(p for condition in flags for p in condition.params),
            *where.params,
        ),
    )
