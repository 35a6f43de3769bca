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
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Value
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
         WHERE pf.product_id IN ({_placeholders(product_ids)})
        UNION ALL
        SELECT 1, pr.product_id, g.code, NULL FROM {PRODUCT_REGIONS} pr
          JOIN {REGION} g ON g.id = pr.region_id
         WHERE pr.product_id IN ({_placeholders(product_ids)})
        UNION ALL
        SELECT 2, ir.institution_id, g.code, NULL FROM {INSTITUTION_REGIONS} ir
          JOIN {REGION} g ON g.id = ir.region_id
         WHERE ir.institution_id IN ({_placeholders(institution_ids)})
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


def amount_condition(tranche: Tranche) -> Q:
    return Q(min_amount__lte=tranche.amount, max_amount__gte=tranche.amount)


def capacity_condition(tranche: Tranche) -> Q:
    return Q(yearly_capacity__gte=F("capacity_used") + tranche.amount)


def institution_condition(ctx: MatchContext, tranche: Tranche) -> Q:
    excluded = ctx.excluded_institutions(tranche.pk)
    return ~Q(institution_id__in=sorted(excluded)) if excluded else Q()


def tranche_condition(ctx: MatchContext, tranche: Tranche) -> Q:
    """The per-tranche filters: instrument, amount range, capacity left, institutions excluded."""
    return (
        Q(instrument=tranche.instrument)
        & amount_condition(tranche)
        & capacity_condition(tranche)
        & institution_condition(ctx, tranche)
    )


def active_condition(ctx: MatchContext) -> Q:
    return Q(is_active=True, institution__is_active=True, active_from__lte=ctx.today) & (
        Q(active_until__isnull=True) | Q(active_until__gte=ctx.today)
    )


def term_condition(ctx: MatchContext) -> Q:
    return Q(min_term_months__lte=ctx.request.term_months, max_term_months__gte=ctx.request.term_months)


def stage_condition(ctx: MatchContext) -> Q:
    return Q(**{STAGE_FLAGS[ctx.enterprise.stage]: True})


def tech_sme_condition(ctx: MatchContext) -> Q:
    return Q() if ctx.tech_sme else Q(requires_tech_sme=False)


def credit_condition(ctx: MatchContext) -> Q:
    """No minimum, or a minimum the enterprise's credit under the minimum's version reaches (the SQL form of
    `meets_minimum`)."""
    condition = Q(min_credit_score__lte=0)
    for version, credit in sorted(ctx.credits_by_version.items()):
        condition |= Q(min_credit_version=version, min_credit_score__lte=credit)
    return condition


# The many-to-many filters are written as SQL fragments: building and compiling them through the ORM's
# subquery expressions cost more than running them. Region sets are uncorrelated IN-subqueries that
# PostgreSQL hashes once per query and estimates truly (correlated EXISTS made its cost estimate large
# enough to switch on JIT compilation, 100+ ms, for multi-tranche requests); "names no field" is a
# correlated NOT EXISTS, an index probe for the rows that pass the cheap filters.
PRODUCT = Product._meta.db_table
REGION = Region._meta.db_table
PRODUCT_REGIONS = ProductRegion._meta.db_table
PRODUCT_FIELDS = ProductField._meta.db_table
INSTITUTION_REGIONS = InstitutionRegion._meta.db_table


def _sql(fragment: str, params=()) -> Q:
    return Q(RawSQL(fragment, list(params), output_field=BooleanField()))


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _product_names_regions(codes: list[str] | None = None) -> Q:
    if codes is None:
        return _sql(f'"{PRODUCT}"."id" IN (SELECT pr.product_id FROM {PRODUCT_REGIONS} pr)')
    return _sql(
        f'"{PRODUCT}"."id" IN (SELECT pr.product_id FROM {PRODUCT_REGIONS} pr '
        f"JOIN {REGION} g ON g.id = pr.region_id WHERE g.code IN ({_placeholders(codes)}))",
        codes,
    )


def _institution_names_regions(codes: list[str] | None = None) -> Q:
    if codes is None:
        return _sql(
            f'"{PRODUCT}"."institution_id" IN (SELECT ir.institution_id FROM {INSTITUTION_REGIONS} ir)'
        )
    return _sql(
        f'"{PRODUCT}"."institution_id" IN (SELECT ir.institution_id FROM {INSTITUTION_REGIONS} ir '
        f"JOIN {REGION} g ON g.id = ir.region_id WHERE g.code IN ({_placeholders(codes)}))",
        codes,
    )


def _product_names_fields(field_ids: list[int] | None = None) -> Q:
    if field_ids is None:
        return _sql(f'EXISTS (SELECT 1 FROM {PRODUCT_FIELDS} pf WHERE pf.product_id = "{PRODUCT}"."id")')
    return _sql(
        f'"{PRODUCT}"."id" IN (SELECT pf.product_id FROM {PRODUCT_FIELDS} pf '
        f"WHERE pf.techfield_id IN ({_placeholders(field_ids)}))",
        field_ids,
    )


def region_condition(ctx: MatchContext) -> Q:
    """The product's regions cover the enterprise; or it names none and its institution's do (or none)."""
    return _product_names_regions(ctx.region_codes) | (
        ~_product_names_regions() & (institution_covers_q(ctx) | ~_institution_names_regions())
    )


def field_condition(ctx: MatchContext) -> Q:
    """The product names no field, or one of the enterprise's."""
    condition = ~_product_names_fields()
    if ctx.field_ids:
        condition |= _product_names_fields(ctx.field_ids)
    return condition


def request_condition(ctx: MatchContext) -> Q:
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


def institution_covers_q(ctx: MatchContext) -> Q:
    """The product's institution serves the enterprise's region by name (not merely nationwide)."""
    return _institution_names_regions(ctx.region_codes)


def institution_covers(ctx: MatchContext) -> ExpressionWrapper:
    return ExpressionWrapper(institution_covers_q(ctx), output_field=BooleanField())


def targets_hard_tech(ctx: MatchContext):
    """The product lists one of the enterprise's hard-tech fields among its eligible fields."""
    if not ctx.hard_tech_field_ids:
        return Value(False, output_field=BooleanField())
    return ExpressionWrapper(_product_names_fields(ctx.hard_tech_field_ids), output_field=BooleanField())


def fits_key(tranche: Tranche) -> str:
    return f"fits_tranche_{tranche.pk}"


def eligible_products(ctx: MatchContext, tranches: Sequence[Tranche]) -> QuerySet[Product]:
    """Every product eligible for at least one of `tranches`, in one query; each row carries a
    `fits_tranche_<id>` flag per tranche and the facts the score needs (`institution_local`,
    `targets_hard_tech`)."""
    if not tranches:
        return Product.objects.none()
    any_tranche = Q()
    flags = {}
    for tranche in tranches:
        condition = tranche_condition(ctx, tranche)
        any_tranche |= condition
        flags[fits_key(tranche)] = ExpressionWrapper(condition, output_field=BooleanField())
    return (
        Product.objects.filter(request_condition(ctx) & any_tranche)
        .annotate(
            **flags, institution_local=institution_covers(ctx), targets_hard_tech=targets_hard_tech(ctx)
        )
        .select_related("institution")
        .order_by("pk")
    )
