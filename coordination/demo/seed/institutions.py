"""Demo institutions and their products: the journey's anchor products first, the rest drawn per index."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from lenders.choices import INSTRUMENTS_BY_KIND, InstitutionKind, Instrument
from lenders.models import Institution, Product
from projects.choices import Stage

from .. import reference as ref
from .blocks import (
    DEMO_BANK,
    DEMO_BANK_2,
    DEMO_GUARANTOR,
    DEMO_INSURER,
    DEMO_VC,
    INSTITUTIONS_PER_BLOCK,
    SHANGHAI,
    bulk_create,
    demo_credit_code,
    link_pairs,
    rate_from_bp,
    rng_for,
)
from .enterprises import ROOT_FIELDS, STAGES


@dataclass
class ProductSpec:
    name: str
    instrument: str
    min_amount: int
    max_amount: int
    min_term_months: int
    max_term_months: int
    stages: tuple[str, ...]
    fields: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    min_credit_score: int = 0
    requires_tech_sme: bool = False
    rate_bp: tuple[int, int] | None = None
    stake_bp: tuple[int, int] | None = None
    yearly_capacity: int = 0
    capacity_used: int = 0
    active_from: date = date(2025, 1, 1)
    active_until: date | None = None
    is_active: bool = True


@dataclass
class InstitutionSpec:
    index: int
    credit_code: str
    name: str
    kind: str
    regions: tuple[str, ...]
    relending_eligible: bool
    products: list[ProductSpec] = field(default_factory=list)


def _product_from_profile(
    rng: random.Random, instrument: str, name: str, served: tuple[str, ...]
) -> ProductSpec:
    profile = ref.INSTRUMENT_PROFILES[instrument]
    min_amount = rng.choice(profile.min_amounts)
    max_amount = max(min_amount, rng.choice(profile.max_amounts))
    min_term = rng.choice(profile.min_terms)
    max_term = max(min_term, rng.choice(profile.max_terms))
    if name in ("天使基金", "种子基金"):
        stages: tuple[str, ...] = (Stage.STARTUP,)
    elif instrument == Instrument.SCI_TECH_BOND:
        stages = (Stage.GROWTH, Stage.STABLE)
    elif rng.random() < 0.3:
        stages = tuple(stage for stage in STAGES if stage != rng.choice(STAGES))
    else:
        stages = STAGES
    fields: tuple[str, ...] = ()
    if rng.random() < 0.45:
        for root in rng.sample(ROOT_FIELDS, rng.choice((1, 1, 2))):
            fields += (root, *ref.CHILD_FIELDS[root])
    regions: tuple[str, ...] = ()
    if served and rng.random() < 0.15:
        regions = (served[0],)
    elif not served and rng.random() < 0.1:
        regions = (rng.choice(ref.INSTITUTION_HOME_REGIONS),)
    rate_bp = stake_bp = None
    if profile.rate_bp is not None:
        low, high = profile.rate_bp
        start = rng.randint(low, high - 20)
        rate_bp = (start, min(high + 50, start + rng.randint(20, 150)))
    if profile.stake_bp is not None:
        low, high = profile.stake_bp
        start = rng.randint(low, low + 500)
        stake_bp = (start, rng.randint(max(start, high - 1000), high))
    capacity = rng.choice(profile.capacities)
    roll = rng.random()
    used = capacity if roll < 0.04 else capacity * rng.randint(0, 85) // 100 // 10_000 * 10_000
    until_roll = rng.random()
    if until_roll < 0.55:
        active_until = None
    elif until_roll < 0.92:
        active_until = date(rng.choice((2027, 2028)), 12, 31)
    else:
        active_until = date(2025, 12, 31)
    return ProductSpec(
        name=name,
        instrument=instrument,
        min_amount=min_amount,
        max_amount=max_amount,
        min_term_months=min_term,
        max_term_months=max_term,
        stages=stages,
        fields=fields,
        regions=regions,
        min_credit_score=0 if rng.random() < 0.5 else rng.choice((30, 40, 50, 60, 70)),
        requires_tech_sme=rng.random() < 0.35,
        rate_bp=rate_bp,
        stake_bp=stake_bp,
        yearly_capacity=capacity,
        capacity_used=used,
        active_from=date(2024, 1, 1) + timedelta(days=rng.randrange(540)),
        active_until=active_until,
        is_active=rng.random() < 0.95,
    )


_MILLION = 1_000_000

# When each anchor bank's journey products became active.
_JOURNEY_ACTIVE_FROM = {DEMO_BANK: date(2025, 1, 1), DEMO_BANK_2: date(2025, 3, 1)}

# The journey's anchor products, every one open to every stage: (bank, name, instrument, amounts in yuan,
# terms in months, rate in basis points, yearly capacity and capacity used in millions, what else
# narrows who qualifies).
_JOURNEY_PRODUCTS: tuple[
    tuple[int, str, str, tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int], dict], ...
] = (
    (
        DEMO_BANK,
        "科创信用贷",
        Instrument.CREDIT_LOAN,
        (500_000, 30 * _MILLION),
        (6, 36),
        (285, 385),
        (5_000, 1_200),
        {},
    ),
    (
        DEMO_BANK,
        "重大任务科技贷",
        Instrument.CREDIT_LOAN,
        (10 * _MILLION, 200 * _MILLION),
        (12, 60),
        (260, 360),
        (10_000, 2_000),
        {},
    ),
    (
        DEMO_BANK,
        "知识产权质押贷",
        Instrument.IP_PLEDGE_LOAN,
        (1 * _MILLION, 20 * _MILLION),
        (12, 36),
        (300, 450),
        (800, 150),
        {
            "fields": ("integrated-circuits", *ref.CHILD_FIELDS["integrated-circuits"]),
            "min_credit_score": 40,
            "requires_tech_sme": True,
        },
    ),
    (
        DEMO_BANK_2,
        "浦江科创贷",
        Instrument.CREDIT_LOAN,
        (1 * _MILLION, 80 * _MILLION),
        (12, 36),
        (295, 395),
        (3_000, 500),
        {"requires_tech_sme": True, "active_until": date(2028, 12, 31)},
    ),
    (
        DEMO_BANK_2,
        "专利快贷",
        Instrument.IP_PLEDGE_LOAN,
        (500_000, 10 * _MILLION),
        (12, 24),
        (320, 480),
        (300, 60),
        {"min_credit_score": 30},
    ),
)


def _journey_products() -> dict[int, list[ProductSpec]]:
    """demo-bank's and demo-bank-2's products, fixed so that the demo journey always matches."""
    products: dict[int, list[ProductSpec]] = {}
    for bank, name, instrument, amounts, terms, rate_bp, capacity, narrowed in _JOURNEY_PRODUCTS:
        products.setdefault(bank, []).append(
            ProductSpec(
                name=name,
                instrument=instrument,
                min_amount=amounts[0],
                max_amount=amounts[1],
                min_term_months=terms[0],
                max_term_months=terms[1],
                stages=STAGES,
                rate_bp=rate_bp,
                yearly_capacity=capacity[0] * _MILLION,
                capacity_used=capacity[1] * _MILLION,
                active_from=_JOURNEY_ACTIVE_FROM[bank],
                **narrowed,
            )
        )
    return products


_ANCHOR_INSTITUTIONS: dict[int, tuple[str, tuple[str, ...], str]] = {
    # index: (name, regions served, headquarters region for the credit code)
    DEMO_BANK: ("华信银行股份有限公司", (), "110000"),
    DEMO_VC: ("上海星河创业投资管理有限公司", (), SHANGHAI),
    DEMO_INSURER: ("安澜财产保险股份有限公司", (), SHANGHAI),
    DEMO_BANK_2: ("上海浦江银行股份有限公司", (SHANGHAI,), SHANGHAI),
    DEMO_GUARANTOR: ("上海科信融资担保有限公司", (SHANGHAI,), SHANGHAI),
}


_NATIONWIDE_CHANCE = {
    InstitutionKind.BANK: 0.35,
    InstitutionKind.INSURER: 0.7,
    InstitutionKind.VC: 0.5,
    InstitutionKind.GUARANTOR: 0.0,
}


_KIND_ORDINAL = {
    position: sum(
        1 for kind in ref.INSTITUTION_KIND_CYCLE[:position] if kind == ref.INSTITUTION_KIND_CYCLE[position]
    )
    for position in range(len(ref.INSTITUTION_KIND_CYCLE))
}


_KIND_PER_BLOCK = {kind: ref.INSTITUTION_KIND_CYCLE.count(kind) for kind in InstitutionKind.values}


def _institution_name(rng: random.Random, kind: str, ordinal: int, home: str | None) -> str:
    stems = ref.INSTITUTION_STEMS[kind]
    stem = stems[ordinal % len(stems)]
    if ordinal >= len(stems):
        stem = ref.BRAND_SECOND[(ordinal // len(stems) - 1) % len(ref.BRAND_SECOND)] + stem
    city = ref.region_stem(home) if home else ""
    if kind == InstitutionKind.BANK:
        return f"{city}{stem}银行股份有限公司"
    if kind == InstitutionKind.INSURER:
        return f"{stem}财产保险股份有限公司" + (f"{city}分公司" if city else "")
    if kind == InstitutionKind.VC:
        return f"{city}{stem}{rng.choice(('创业投资管理', '私募基金管理', '科创投资'))}有限公司"
    return f"{city}{stem}科技融资担保有限公司"


def institution_spec(index: int) -> InstitutionSpec:
    rng = rng_for("institution", index)
    position = index % INSTITUTIONS_PER_BLOCK
    kind = ref.INSTITUTION_KIND_CYCLE[position]
    anchor = _ANCHOR_INSTITUTIONS.get(index)
    if anchor is not None:
        name, regions, headquarters = anchor
    else:
        if rng.random() < _NATIONWIDE_CHANCE[kind]:
            regions, headquarters = (), rng.choice(("110000", SHANGHAI, "440300"))
            home = None
        else:
            home = rng.choice(ref.INSTITUTION_HOME_REGIONS)
            regions, headquarters = (home,), home
            if kind == InstitutionKind.BANK and rng.random() < 0.3:
                regions += (rng.choice([code for code in ref.INSTITUTION_HOME_REGIONS if code != home]),)
        ordinal = (index // INSTITUTIONS_PER_BLOCK) * _KIND_PER_BLOCK[kind] + _KIND_ORDINAL[position]
        name = _institution_name(rng, kind, ordinal, home)
    spec = InstitutionSpec(
        index=index,
        credit_code=demo_credit_code(headquarters, "3", index),
        name=name,
        kind=kind,
        regions=regions,
        relending_eligible=kind == InstitutionKind.BANK and (anchor is not None or rng.random() < 0.7),
    )
    journey = _journey_products().get(index) if anchor is not None else None
    if journey is not None:
        spec.products = journey
        return spec
    pool = [
        (instrument, name)
        for instrument in INSTRUMENTS_BY_KIND[kind]
        for name in ref.INSTRUMENT_PROFILES[instrument].names
    ]
    rng.shuffle(pool)
    if kind == InstitutionKind.BANK:
        # Every bank offers at least one credit loan, listed first.
        first = next(item for item in pool if item[0] == Instrument.CREDIT_LOAN)
        pool.remove(first)
        pool.insert(0, first)
    for instrument, product_name in pool[: rng.randint(2, 4)]:
        spec.products.append(_product_from_profile(rng, instrument, product_name, regions))
    return spec


def seed_institutions(
    specs: Sequence[InstitutionSpec], regions: dict[str, int], fields: dict[str, int]
) -> dict[int, int]:
    """Return institution index -> id."""
    existing = set(Institution.objects.values_list("credit_code", flat=True))
    bulk_create(
        Institution,
        [
            Institution(
                credit_code=spec.credit_code,
                name=spec.name,
                kind=spec.kind,
                relending_eligible=spec.relending_eligible,
            )
            for spec in specs
            if spec.credit_code not in existing
        ],
    )
    by_code = dict(Institution.objects.values_list("credit_code", "id"))
    ids = {spec.index: by_code[spec.credit_code] for spec in specs}
    link_pairs(
        Institution, "regions", ((ids[spec.index], regions[code]) for spec in specs for code in spec.regions)
    )

    have_product = set(Product.objects.values_list("institution_id", "name"))
    new_products = []
    for spec in specs:
        for product in spec.products:
            if (ids[spec.index], product.name) in have_product:
                continue
            new_products.append(
                Product(
                    institution_id=ids[spec.index],
                    name=product.name,
                    instrument=product.instrument,
                    min_amount=Decimal(product.min_amount),
                    max_amount=Decimal(product.max_amount),
                    min_term_months=product.min_term_months,
                    max_term_months=product.max_term_months,
                    for_startup=Stage.STARTUP in product.stages,
                    for_growth=Stage.GROWTH in product.stages,
                    for_stable=Stage.STABLE in product.stages,
                    min_credit_score=Decimal(product.min_credit_score),
                    requires_tech_sme=product.requires_tech_sme,
                    rate_min=rate_from_bp(product.rate_bp[0]) if product.rate_bp else None,
                    rate_max=rate_from_bp(product.rate_bp[1]) if product.rate_bp else None,
                    stake_min=rate_from_bp(product.stake_bp[0]) if product.stake_bp else None,
                    stake_max=rate_from_bp(product.stake_bp[1]) if product.stake_bp else None,
                    yearly_capacity=Decimal(product.yearly_capacity),
                    capacity_used=Decimal(product.capacity_used),
                    active_from=product.active_from,
                    active_until=product.active_until,
                    is_active=product.is_active,
                )
            )
    bulk_create(Product, new_products)
    product_ids = {
        (institution, name): pk
        for pk, institution, name in Product.objects.values_list("id", "institution_id", "name")
    }
    field_pairs, region_pairs = [], []
    for spec in specs:
        for product in spec.products:
            pk = product_ids[(ids[spec.index], product.name)]
            field_pairs.extend((pk, fields[code]) for code in product.fields)
            region_pairs.extend((pk, regions[code]) for code in product.regions)
    link_pairs(Product, "fields", field_pairs)
    link_pairs(Product, "regions", region_pairs)
    return ids
