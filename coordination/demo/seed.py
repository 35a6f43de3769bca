"""Deterministic, idempotent demo data (DESIGN.md §8).

`seed_demo(scale=N, password=...)` writes N "blocks" of data: each block is 200 enterprises (with
their 2023–2025 financials), 40 institutions with 2–4 products each and 10 major tasks. Every row is
generated from its own index with its own `random.Random`, so block k is the same whatever the scale
and a second run finds every natural key (username, credit code, task code, institution + product
name) already there and creates nothing. The regions, fields and re-lending rows it builds on are
production reference data that arrives with `migrate` (projects/reference/, lenders/reference/).

The first block holds the anchors the demo logins need (the "journey" of DESIGN.md §8):

* enterprises 0 and 1 — Shanghai (浦东新区, 徐汇区), members `demo-applicant`, registered tech-SMEs;
  enterprise 0 leads the national major task 0;
* enterprise 2 — Beijing (海淀区), member `demo-applicant-2`;
* institution 0 — nationwide bank of `demo-bank`, whose products take a 3 000 000-yuan and a
  60 000 000-yuan 24-month credit loan from any stage and field; institution 3 — the Shanghai bank of
  `demo-bank-2`; institutions 1, 2, 4 — the VC, insurer and guarantor of `demo-vc`, `demo-insurer`,
  `demo-guarantor`.

Writes are bulk inserts in batches inside one transaction; reads are one query per table.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from coordination.models import CoordinatorScope
from coordination.permissions import sync_coordinator_group
from lenders.choices import INSTRUMENTS_BY_KIND, InstitutionKind, Instrument
from lenders.models import Institution, Product, RelendingPolicy
from projects.choices import Industry, SpecialisedStatus, Stage, TaskLevel
from projects.domain.credit_code import make_credit_code
from projects.domain.tech_sme import TechSmeEvaluation, TechSmeInput, evaluate_tech_sme
from projects.models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField
from projects.reference.regions import REGIONS

from . import reference as ref

SEED = 20260101
BATCH_SIZE = 2000
ENTERPRISES_PER_BLOCK = 200
INSTITUTIONS_PER_BLOCK = 40
TASKS_PER_BLOCK = 10
FINANCIAL_YEARS = (2023, 2024, 2025)
LATEST_YEAR = FINANCIAL_YEARS[-1]
# The day the generated certificates and registrations are judged against.
AS_OF = date(2026, 1, 1)
SHANGHAI = "310000"

# Anchor indices (block 0).
APPLICANT_ENTERPRISES = (0, 1)
APPLICANT_2_ENTERPRISE = 2
DEMO_BANK, DEMO_VC, DEMO_INSURER, DEMO_BANK_2, DEMO_GUARANTOR = 0, 1, 2, 3, 4
NATIONAL_ANCHOR_TASK = 0


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    is_staff: bool = False
    is_superuser: bool = False
    enterprises: tuple[int, ...] = ()
    institution: int | None = None
    # None: no coordinator scope; () with national=True: national; region codes otherwise.
    coordinator_regions: tuple[str, ...] | None = None
    national: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo-applicant", "演示申请人", enterprises=APPLICANT_ENTERPRISES),
    DemoUser("demo-applicant-2", "演示申请人二", enterprises=(APPLICANT_2_ENTERPRISE,)),
    DemoUser("demo-bank", "演示银行审查员", institution=DEMO_BANK),
    DemoUser("demo-bank-2", "演示银行审查员二", institution=DEMO_BANK_2),
    DemoUser("demo-insurer", "演示保险审查员", institution=DEMO_INSURER),
    DemoUser("demo-vc", "演示投资经理", institution=DEMO_VC),
    DemoUser("demo-guarantor", "演示担保审查员", institution=DEMO_GUARANTOR),
    DemoUser("demo-coordinator", "上海市协调员", is_staff=True, coordinator_regions=(SHANGHAI,)),
    DemoUser("demo-national", "国家协调员", is_staff=True, coordinator_regions=(), national=True),
    DemoUser("demo-national-2", "国家协调员二", is_staff=True, coordinator_regions=(), national=True),
    DemoUser("admin", "管理员", is_staff=True, is_superuser=True),
)
DEMO_USERNAMES: tuple[str, ...] = tuple(user.username for user in DEMO_USERS)


# --------------------------------------------------------------------------------------------
# Generated rows (plain data; turned into model instances only for what is missing)


@dataclass
class FinancialsSpec:
    year: int
    revenue: int
    total_assets: int
    total_costs: int
    rnd_expense: int
    staff: int
    st_staff: int
    invention_patents: int
    other_class_i_ip: int
    class_ii_ip: int
    tech_contract_turnover: int
    vc_received: int


@dataclass
class EnterpriseSpec:
    index: int
    credit_code: str
    name: str
    region: str
    fields: tuple[str, ...]
    root_field: str
    founded_on: date
    stage: str
    industry: str
    employees: int
    financials: list[FinancialsSpec]
    high_tech_certificate_no: str = ""
    high_tech_valid_until: date | None = None
    tech_sme_registration_no: str = ""
    tech_sme_registration_year: int | None = None
    specialised_status: str = SpecialisedStatus.NONE
    national_award_year: int | None = None
    provincial_rnd_institution: bool = False
    led_standard_year: int | None = None


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


@dataclass
class TaskSpec:
    code: str
    title: str
    field: str
    level: str
    lead: int
    participants: tuple[int, ...]
    budget: int
    fiscal_funding: int
    financing_gap: int
    starts_on: date
    ends_on: date


def _rng(kind: str, index: int) -> random.Random:
    # String seeds are hashed with SHA-512 by `random`, so this is stable across processes.
    return random.Random(f"{SEED}:{kind}:{index}")


# --------------------------------------------------------------------------------------------
# Credit codes


_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(body8: str) -> str:
    """Complete an 8-digit organisation-code body with its GB 11714 check character."""
    remainder = (
        11 - sum(int(char) * weight for char, weight in zip(body8, _ORG_CODE_WEIGHTS, strict=True)) % 11
    )
    return body8 + {10: "X", 11: "0"}.get(remainder, str(remainder))


def demo_credit_code(region_code: str, namespace: str, index: int) -> str:
    """'9' (market regulator) + '1' (enterprise) + region + organisation code + check character.

    `namespace` is one digit that keeps enterprises and institutions apart.
    """
    return make_credit_code("91" + region_code + organisation_code(f"{namespace}{index:07d}"))


# --------------------------------------------------------------------------------------------
# Enterprises


@dataclass(frozen=True)
class _Anchor:
    name: str
    region: str
    stage: str
    industry: str
    fields: tuple[str, ...]
    founded_on: date
    employees: int


ANCHOR_ENTERPRISES: dict[int, _Anchor] = {
    0: _Anchor(
        name="上海浦芯智能科技有限公司",
        region="310115",
        stage=Stage.GROWTH,
        industry=Industry.SOFTWARE_IT,
        fields=("ai-foundation-models", "ic-design"),
        founded_on=date(2018, 3, 15),
        employees=186,
    ),
    1: _Anchor(
        name="上海澜矩量子科技有限公司",
        region="310104",
        stage=Stage.STARTUP,
        industry=Industry.INDUSTRY,
        fields=("quantum-sensing",),
        founded_on=date(2022, 9, 1),
        employees=48,
    ),
    2: _Anchor(
        name="北京镜界智能装备有限公司",
        region="110108",
        stage=Stage.GROWTH,
        industry=Industry.INDUSTRY,
        fields=("mfg-industrial-robots", "ai-embodied"),
        founded_on=date(2016, 6, 20),
        employees=240,
    ),
}

_REGION_CODES = tuple(code for code, _ in ref.ENTERPRISE_REGION_WEIGHTS)
_REGION_WEIGHTS = tuple(weight for _, weight in ref.ENTERPRISE_REGION_WEIGHTS)
_ROOTS = tuple(ref.ROOT_FIELD_WEIGHTS)
_ROOT_WEIGHTS = tuple(ref.ROOT_FIELD_WEIGHTS.values())
_INDUSTRIES = (Industry.INDUSTRY, Industry.SOFTWARE_IT, Industry.OTHER)
_STAGES = (Stage.STARTUP, Stage.GROWTH, Stage.STABLE)


def _brand(index: int) -> str:
    first, second = ref.BRAND_FIRST, ref.BRAND_SECOND
    pairs = len(first) * len(second)
    mixed = (index * 37) % pairs  # 37 is coprime with 1 600: a permutation that spreads neighbours
    brand = first[mixed // len(second)] + second[mixed % len(second)]
    if index >= pairs:
        brand += first[(index // pairs - 1) % len(first)]
    return brand


def _founded_on(rng: random.Random, stage: str) -> date:
    start, end = {
        Stage.STARTUP: (date(2021, 7, 1), date(2024, 12, 31)),
        Stage.GROWTH: (date(2013, 1, 1), date(2021, 6, 30)),
        Stage.STABLE: (date(1998, 1, 1), date(2012, 12, 31)),
    }[stage]
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _employees(rng: random.Random, stage: str) -> int:
    if stage == Stage.STARTUP:
        return rng.randint(6, 80)
    if stage == Stage.GROWTH:
        return rng.randint(40, 400)
    # Mostly still SMEs; a few outgrow the tech-SME ceiling of 500 staff.
    return rng.randint(120, 560)


def _financials(
    rng: random.Random, *, stage: str, employees: int, founded_year: int, root: str, strong: bool
) -> list[FinancialsSpec]:
    if stage == Stage.STARTUP:
        revenue = rng.randint(300, 15_000) * 1000
        revenue_growth, staff_growth = rng.uniform(1.3, 2.0), rng.uniform(1.2, 1.6)
        cost_ratio = rng.uniform(1.1, 2.5)
        rnd_cost_share = rng.uniform(0.25, 0.55)
        patents = rng.randint(0, 6)
        vc = rng.choice((0, 0, rng.randint(2_000, 50_000) * 1000))
    elif stage == Stage.GROWTH:
        revenue = rng.randint(8_000, 150_000) * 1000
        revenue_growth, staff_growth = rng.uniform(1.1, 1.45), rng.uniform(1.05, 1.3)
        cost_ratio = rng.uniform(0.8, 1.05)
        rnd_cost_share = rng.uniform(0.1, 0.3)
        patents = rng.randint(2, 30)
        vc = rng.choice((0, 0, 0, rng.randint(10_000, 200_000) * 1000))
    else:
        revenue = rng.randint(40_000, 230_000) * 1000
        revenue_growth, staff_growth = rng.uniform(0.95, 1.15), rng.uniform(0.98, 1.08)
        cost_ratio = rng.uniform(0.8, 0.95)
        rnd_cost_share = rng.uniform(0.06, 0.15)
        patents = rng.randint(10, 150)
        vc = 0
    st_share = rng.uniform(0.22, 0.65) if stage != Stage.STABLE else rng.uniform(0.15, 0.4)
    class_ii = rng.randint(0, 40)
    other_class_i = {"integrated-circuits": rng.randint(0, 12), "biomedicine": rng.randint(0, 2)}.get(root, 0)
    if not strong:
        # Fails the tech-SME evaluation: S&T staff under 10% (a zero staff score disqualifies) and thin R&D.
        st_share = rng.uniform(0.03, 0.09)
        rnd_cost_share = rng.uniform(0.01, 0.04)
        patents, other_class_i, class_ii = 0, 0, rng.randint(0, 2)
    assets_ratio = rng.uniform(1.0, 3.0) if stage == Stage.STARTUP else rng.uniform(0.5, 1.4)

    rows = []
    for year in FINANCIAL_YEARS:
        if year < founded_year:
            continue
        back = LATEST_YEAR - year
        year_revenue = max(100_000, round(revenue / revenue_growth**back, -3))
        staff = max(3, round(employees / staff_growth**back))
        costs = round(year_revenue * cost_ratio, -3)
        year_patents = max(0, patents - back * rng.randint(0, patents // 4 + 1))
        rows.append(
            FinancialsSpec(
                year=year,
                revenue=year_revenue,
                total_assets=round(year_revenue * assets_ratio, -3),
                total_costs=costs,
                rnd_expense=round(costs * rnd_cost_share, -3),
                staff=staff,
                st_staff=min(staff, int(staff * st_share)),
                invention_patents=year_patents,
                other_class_i_ip=max(0, other_class_i - back),
                class_ii_ip=max(0, class_ii - back * rng.randint(0, 3)),
                tech_contract_turnover=round(year_revenue * rng.uniform(0, 0.3), -3),
                vc_received=vc if year == LATEST_YEAR else rng.choice((0, vc // 2)),
            )
        )
    return rows


def tech_sme_evaluation(spec: EnterpriseSpec) -> TechSmeEvaluation:
    """Evaluate the enterprise on its latest financial year, as of `AS_OF`."""
    latest = spec.financials[-1]
    return evaluate_tech_sme(
        TechSmeInput(
            employees=spec.employees,
            revenue=Decimal(latest.revenue),
            total_assets=Decimal(latest.total_assets),
            total_costs=Decimal(latest.total_costs),
            rnd_expense=Decimal(latest.rnd_expense),
            st_staff=latest.st_staff,
            class_i_ip=latest.invention_patents + latest.other_class_i_ip,
            class_ii_ip=latest.class_ii_ip,
            high_tech_certificate_valid=spec.high_tech_valid_until is not None
            and spec.high_tech_valid_until >= AS_OF,
            national_award_recent=spec.national_award_year is not None
            and spec.national_award_year >= AS_OF.year - 5,
            provincial_rnd_institution=spec.provincial_rnd_institution,
            led_standard_recent=spec.led_standard_year is not None
            and spec.led_standard_year >= AS_OF.year - 5,
        )
    )


def enterprise_spec(index: int) -> EnterpriseSpec:
    rng = _rng("enterprise", index)
    anchor = ANCHOR_ENTERPRISES.get(index)
    if anchor is not None:
        region, stage, industry, fields = anchor.region, anchor.stage, anchor.industry, anchor.fields
        root = ref.ROOT_OF_FIELD[fields[0]]
        founded_on, employees, name = anchor.founded_on, anchor.employees, anchor.name
        strong = True
    else:
        region = rng.choices(_REGION_CODES, _REGION_WEIGHTS)[0]
        stage = rng.choices(_STAGES, (35, 45, 20))[0]
        root = rng.choices(_ROOTS, _ROOT_WEIGHTS)[0]
        industry = rng.choices(_INDUSTRIES, ref.INDUSTRY_WEIGHTS_BY_ROOT[root])[0]
        children = ref.CHILD_FIELDS[root]
        picked = rng.sample(children, rng.choice((1, 1, 2)))
        if rng.random() < 0.2:
            other_root = rng.choice(_ROOTS)
            picked.append(rng.choice(ref.CHILD_FIELDS[other_root]))
        fields = tuple(dict.fromkeys(picked))
        founded_on = _founded_on(rng, stage)
        employees = _employees(rng, stage)
        short = ref.region_stem(region)
        suffix = "股份有限公司" if stage == Stage.STABLE and rng.random() < 0.5 else "有限公司"
        name = f"{short}{_brand(index)}{ref.FIELD_NAME_WORD[root]}{suffix}"
        strong = rng.random() >= 0.08
    spec = EnterpriseSpec(
        index=index,
        credit_code=demo_credit_code(region, "5", index),
        name=name,
        region=region,
        fields=fields,
        root_field=root,
        founded_on=founded_on,
        stage=stage,
        industry=industry,
        employees=employees,
        financials=_financials(
            rng, stage=stage, employees=employees, founded_year=founded_on.year, root=root, strong=strong
        ),
    )
    if anchor is not None:
        _anchor_credentials(spec)
        return spec
    if strong:
        cert_chance = {Stage.STARTUP: 0.05, Stage.GROWTH: 0.3, Stage.STABLE: 0.5}[stage]
        if rng.random() < cert_chance:
            issued = rng.randint(max(2021, founded_on.year + 1), 2025)
            spec.high_tech_certificate_no = f"GR{issued}{region[:2]}{index + 1:06d}"
            spec.high_tech_valid_until = date(issued + 3, 12, 1) - timedelta(days=rng.randint(0, 60))
        if stage != Stage.STARTUP:
            roll = rng.random()
            if roll < 0.04:
                spec.specialised_status = SpecialisedStatus.LITTLE_GIANT
            elif roll < 0.22:
                spec.specialised_status = SpecialisedStatus.PROVINCIAL
            spec.provincial_rnd_institution = rng.random() < 0.1
            if rng.random() < 0.05:
                spec.led_standard_year = rng.randint(2019, 2025)
        if stage == Stage.STABLE and rng.random() < 0.03:
            spec.national_award_year = rng.randint(2018, 2025)
        if tech_sme_evaluation(spec).qualified and rng.random() < 0.75:
            year = 2026 if rng.random() < 0.65 else 2025
            spec.tech_sme_registration_year = year
            spec.tech_sme_registration_no = f"{year}{region}A{index + 1:07d}"
    return spec


def _anchor_credentials(spec: EnterpriseSpec) -> None:
    """The demo logins' enterprises: registered tech-SMEs, growth ones with a valid high-tech certificate."""
    for row in spec.financials:
        # Comfortably above the evaluation's bands: S&T staff at least 35%, some invention patents.
        row.st_staff = max(row.st_staff, min(row.staff, -(-row.staff * 35 // 100)))
        row.invention_patents = max(row.invention_patents, 2)
    spec.tech_sme_registration_year = 2026
    spec.tech_sme_registration_no = f"2026{spec.region}A{spec.index + 1:07d}"
    if spec.stage != Stage.STARTUP:
        spec.high_tech_certificate_no = f"GR2024{spec.region[:2]}{spec.index + 1:06d}"
        spec.high_tech_valid_until = date(2027, 12, 1)
        spec.specialised_status = SpecialisedStatus.PROVINCIAL


# --------------------------------------------------------------------------------------------
# Institutions and products


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
        stages = tuple(stage for stage in _STAGES if stage != rng.choice(_STAGES))
    else:
        stages = _STAGES
    fields: tuple[str, ...] = ()
    if rng.random() < 0.45:
        for root in rng.sample(_ROOTS, rng.choice((1, 1, 2))):
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


def _journey_products() -> dict[int, list[ProductSpec]]:
    """demo-bank's and demo-bank-2's products, fixed so that the demo journey always matches."""
    m = 1_000_000
    return {
        DEMO_BANK: [
            ProductSpec(
                name="科创信用贷",
                instrument=Instrument.CREDIT_LOAN,
                min_amount=500_000,
                max_amount=30 * m,
                min_term_months=6,
                max_term_months=36,
                stages=_STAGES,
                rate_bp=(285, 385),
                yearly_capacity=5_000 * m,
                capacity_used=1_200 * m,
                active_from=date(2025, 1, 1),
            ),
            ProductSpec(
                name="重大任务科技贷",
                instrument=Instrument.CREDIT_LOAN,
                min_amount=10 * m,
                max_amount=200 * m,
                min_term_months=12,
                max_term_months=60,
                stages=_STAGES,
                rate_bp=(260, 360),
                yearly_capacity=10_000 * m,
                capacity_used=2_000 * m,
                active_from=date(2025, 1, 1),
            ),
            ProductSpec(
                name="知识产权质押贷",
                instrument=Instrument.IP_PLEDGE_LOAN,
                min_amount=1 * m,
                max_amount=20 * m,
                min_term_months=12,
                max_term_months=36,
                stages=_STAGES,
                fields=("integrated-circuits", *ref.CHILD_FIELDS["integrated-circuits"]),
                min_credit_score=40,
                requires_tech_sme=True,
                rate_bp=(300, 450),
                yearly_capacity=800 * m,
                capacity_used=150 * m,
                active_from=date(2025, 1, 1),
            ),
        ],
        DEMO_BANK_2: [
            ProductSpec(
                name="浦江科创贷",
                instrument=Instrument.CREDIT_LOAN,
                min_amount=1 * m,
                max_amount=80 * m,
                min_term_months=12,
                max_term_months=36,
                stages=_STAGES,
                requires_tech_sme=True,
                rate_bp=(295, 395),
                yearly_capacity=3_000 * m,
                capacity_used=500 * m,
                active_from=date(2025, 3, 1),
                active_until=date(2028, 12, 31),
            ),
            ProductSpec(
                name="专利快贷",
                instrument=Instrument.IP_PLEDGE_LOAN,
                min_amount=500_000,
                max_amount=10 * m,
                min_term_months=12,
                max_term_months=24,
                stages=_STAGES,
                min_credit_score=30,
                rate_bp=(320, 480),
                yearly_capacity=300 * m,
                capacity_used=60 * m,
                active_from=date(2025, 3, 1),
            ),
        ],
    }


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
    rng = _rng("institution", index)
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


# --------------------------------------------------------------------------------------------
# Major tasks


def task_specs(block: int, enterprises: Sequence[EnterpriseSpec]) -> list[TaskSpec]:
    """The block's tasks; leads and participants come from the block's own enterprises."""
    candidates = [spec.index for spec in enterprises if spec.stage != Stage.STARTUP]
    everyone = [spec.index for spec in enterprises]
    by_index = {spec.index: spec for spec in enterprises}
    tasks = []
    for offset in range(TASKS_PER_BLOCK):
        index = block * TASKS_PER_BLOCK + offset
        rng = _rng("task", index)
        if index == NATIONAL_ANCHOR_TASK:
            lead, level = APPLICANT_ENTERPRISES[0], TaskLevel.NATIONAL
        else:
            lead = rng.choice(candidates)
            level = TaskLevel.NATIONAL if rng.random() < 0.4 else TaskLevel.PROVINCIAL
        lead_spec = by_index[lead]
        others = [i for i in everyone if i != lead]
        participants = tuple(sorted(rng.sample(others, rng.randint(2, 4))))
        if index == NATIONAL_ANCHOR_TASK:
            participants = tuple(sorted({APPLICANT_ENTERPRISES[1], *participants}))
        title = rng.choice(ref.TASK_TITLES[lead_spec.root_field])
        year = rng.choice((2024, 2025, 2026))
        if level == TaskLevel.NATIONAL:
            budget = rng.randint(50, 800) * 1_000_000
        else:
            budget = rng.randint(100, 1500) * 100_000
        fiscal = budget * rng.randint(20, 60) // 100 // 10_000 * 10_000
        gap = (budget - fiscal) * rng.randint(30, 100) // 100 // 10_000 * 10_000
        if index == NATIONAL_ANCHOR_TASK:
            title, year = "面向工业场景的行业大模型研发与应用示范", 2025
            budget, fiscal, gap = 300_000_000, 120_000_000, 90_000_000
        if level == TaskLevel.NATIONAL:
            code = f"GJ{year}-{index + 1:06d}"
        else:
            code = f"SJ{year}-{lead_spec.region[:2]}-{index + 1:06d}"
        starts_on = date(year, rng.choice((1, 4, 7, 10)), 1)
        tasks.append(
            TaskSpec(
                code=code,
                title=title,
                field=lead_spec.fields[0],
                level=level,
                lead=lead,
                participants=participants,
                budget=budget,
                fiscal_funding=fiscal,
                financing_gap=gap,
                starts_on=starts_on,
                ends_on=date(year + rng.randint(3, 5), 12, 31),
            )
        )
    return tasks


# --------------------------------------------------------------------------------------------
# Writing


def _bulk_create(model: type[models.Model], objs: list[models.Model], **kwargs: Any) -> int:
    if objs:
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE, **kwargs)
    return len(objs)


def _link(model: type[models.Model], field_name: str, pairs: Iterable[tuple[int, int]]) -> int:
    """Add many-to-many rows that are missing, through the through model (one read, bulk writes)."""
    m2m = model._meta.get_field(field_name)
    through = m2m.remote_field.through
    source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
    existing = set(through.objects.values_list(source, target))
    missing = [through(**{source: a, target: b}) for a, b in dict.fromkeys(pairs) if (a, b) not in existing]
    return _bulk_create(through, missing, ignore_conflicts=True)


def _reference_ids(model: type[models.Model], codes: Iterable[str]) -> dict[str, int]:
    """Code -> id of the reference rows the demo uses; they arrive with `migrate`, not with the demo."""
    ids = dict(model.objects.values_list("code", "id"))
    missing = sorted(set(codes) - set(ids))
    if missing:
        raise ValueError(
            f"{model.__name__} rows missing, run `manage.py migrate` first: {', '.join(missing)}"
        )
    return ids


def _seed_enterprises(
    specs: Sequence[EnterpriseSpec], regions: dict[str, int], fields: dict[str, int]
) -> dict[int, int]:
    """Return enterprise index -> id."""
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    _bulk_create(
        Enterprise,
        [
            Enterprise(
                credit_code=spec.credit_code,
                name=spec.name,
                region_id=regions[spec.region],
                founded_on=spec.founded_on,
                stage=spec.stage,
                industry=spec.industry,
                employees=spec.employees,
                high_tech_certificate_no=spec.high_tech_certificate_no,
                high_tech_valid_until=spec.high_tech_valid_until,
                tech_sme_registration_no=spec.tech_sme_registration_no,
                tech_sme_registration_year=spec.tech_sme_registration_year,
                specialised_status=spec.specialised_status,
                national_award_year=spec.national_award_year,
                provincial_rnd_institution=spec.provincial_rnd_institution,
                led_standard_year=spec.led_standard_year,
            )
            for spec in specs
            if spec.credit_code not in existing
        ],
    )
    by_code = dict(Enterprise.objects.values_list("credit_code", "id"))
    ids = {spec.index: by_code[spec.credit_code] for spec in specs}

    have_year = set(EnterpriseFinancials.objects.values_list("enterprise_id", "year"))
    _bulk_create(
        EnterpriseFinancials,
        [
            EnterpriseFinancials(
                enterprise_id=ids[spec.index],
                year=row.year,
                revenue=Decimal(row.revenue),
                total_assets=Decimal(row.total_assets),
                total_costs=Decimal(row.total_costs),
                rnd_expense=Decimal(row.rnd_expense),
                staff=row.staff,
                st_staff=row.st_staff,
                invention_patents=row.invention_patents,
                other_class_i_ip=row.other_class_i_ip,
                class_ii_ip=row.class_ii_ip,
                tech_contract_turnover=Decimal(row.tech_contract_turnover),
                vc_received=Decimal(row.vc_received),
            )
            for spec in specs
            for row in spec.financials
            if (ids[spec.index], row.year) not in have_year
        ],
    )
    _link(Enterprise, "fields", ((ids[spec.index], fields[code]) for spec in specs for code in spec.fields))
    return ids


def _seed_tasks(tasks: Sequence[TaskSpec], enterprise_ids: dict[int, int], fields: dict[str, int]) -> None:
    existing = set(MajorTask.objects.values_list("code", flat=True))
    _bulk_create(
        MajorTask,
        [
            MajorTask(
                code=task.code,
                title=task.title,
                field_id=fields[task.field],
                level=task.level,
                lead_enterprise_id=enterprise_ids[task.lead],
                budget=Decimal(task.budget),
                fiscal_funding=Decimal(task.fiscal_funding),
                financing_gap=Decimal(task.financing_gap),
                starts_on=task.starts_on,
                ends_on=task.ends_on,
            )
            for task in tasks
            if task.code not in existing
        ],
    )
    by_code = dict(MajorTask.objects.values_list("code", "id"))
    _link(
        MajorTask,
        "participants",
        ((by_code[task.code], enterprise_ids[index]) for task in tasks for index in task.participants),
    )


def _rate(bp: int) -> Decimal:
    return Decimal(bp) / Decimal(10_000)


def _seed_institutions(
    specs: Sequence[InstitutionSpec], regions: dict[str, int], fields: dict[str, int]
) -> dict[int, int]:
    """Return institution index -> id."""
    existing = set(Institution.objects.values_list("credit_code", flat=True))
    _bulk_create(
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
    _link(
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
                    rate_min=_rate(product.rate_bp[0]) if product.rate_bp else None,
                    rate_max=_rate(product.rate_bp[1]) if product.rate_bp else None,
                    stake_min=_rate(product.stake_bp[0]) if product.stake_bp else None,
                    stake_max=_rate(product.stake_bp[1]) if product.stake_bp else None,
                    yearly_capacity=Decimal(product.yearly_capacity),
                    capacity_used=Decimal(product.capacity_used),
                    active_from=product.active_from,
                    active_until=product.active_until,
                    is_active=product.is_active,
                )
            )
    _bulk_create(Product, new_products)
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
    _link(Product, "fields", field_pairs)
    _link(Product, "regions", region_pairs)
    return ids


def _seed_users(
    passwords: tuple[str, str],
    enterprise_ids: dict[int, int],
    institution_ids: dict[int, int],
    regions: dict[str, int],
) -> None:
    """`passwords`: the demo logins' and the superuser's."""
    user_model = get_user_model()
    # One hash per password, not per login: hashing is deliberately slow.
    login_hash, superuser_hash = (make_password(password) for password in passwords)
    hashes = {demo.username: superuser_hash if demo.is_superuser else login_hash for demo in DEMO_USERS}
    users = {user.username: user for user in user_model.objects.filter(username__in=DEMO_USERNAMES)}
    missing = [
        user_model(
            username=demo.username,
            first_name=demo.first_name,
            email=f"{demo.username}@demo.techfin.invalid",
            is_staff=demo.is_staff,
            is_superuser=demo.is_superuser,
            is_active=True,
            password=hashes[demo.username],
        )
        for demo in DEMO_USERS
        if demo.username not in users
    ]
    _bulk_create(user_model, missing)
    for user in users.values():
        demo = next(d for d in DEMO_USERS if d.username == user.username)
        user.password, user.is_active = hashes[user.username], True
        user.is_staff = user.is_staff or demo.is_staff
        user.is_superuser = user.is_superuser or demo.is_superuser
    if users:
        user_model.objects.bulk_update(users.values(), ["password", "is_active", "is_staff", "is_superuser"])
    user_ids = dict(user_model.objects.filter(username__in=DEMO_USERNAMES).values_list("username", "id"))

    _link(
        Enterprise,
        "members",
        (
            (enterprise_ids[index], user_ids[demo.username])
            for demo in DEMO_USERS
            for index in demo.enterprises
        ),
    )
    _link(
        Institution,
        "members",
        (
            (institution_ids[demo.institution], user_ids[demo.username])
            for demo in DEMO_USERS
            if demo.institution is not None
        ),
    )

    coordinators = [demo for demo in DEMO_USERS if demo.coordinator_regions is not None]
    scopes = {
        scope.user_id: scope for scope in CoordinatorScope.objects.filter(user_id__in=user_ids.values())
    }
    _bulk_create(
        CoordinatorScope,
        [
            CoordinatorScope(user_id=user_ids[demo.username], national=demo.national)
            for demo in coordinators
            if user_ids[demo.username] not in scopes
        ],
    )
    changed = []
    for demo in coordinators:
        scope = scopes.get(user_ids[demo.username])
        if scope is not None and scope.national != demo.national:
            scope.national = demo.national
            changed.append(scope)
    if changed:
        CoordinatorScope.objects.bulk_update(changed, ["national"])
    scope_ids = dict(
        CoordinatorScope.objects.filter(user_id__in=user_ids.values()).values_list("user_id", "id")
    )
    _link(
        CoordinatorScope,
        "regions",
        (
            (scope_ids[user_ids[demo.username]], regions[code])
            for demo in coordinators
            for code in demo.coordinator_regions or ()
        ),
    )

    group = sync_coordinator_group()
    group.user_set.add(*(user_ids[demo.username] for demo in coordinators if demo.is_staff))


def demo_counts() -> dict[str, int]:
    """Row counts of everything the seeder writes (for the command's report and the tests)."""
    user_model = get_user_model()
    counts: dict[str, int] = {
        "Region": Region.objects.count(),
        "TechField": TechField.objects.count(),
        "Enterprise": Enterprise.objects.count(),
        "EnterpriseFinancials": EnterpriseFinancials.objects.count(),
        "MajorTask": MajorTask.objects.count(),
        "Institution": Institution.objects.count(),
        "Product": Product.objects.count(),
        "RelendingPolicy": RelendingPolicy.objects.count(),
        "User": user_model.objects.count(),
        "CoordinatorScope": CoordinatorScope.objects.count(),
    }
    for model, field_name in (
        (Enterprise, "fields"),
        (Enterprise, "members"),
        (MajorTask, "participants"),
        (Institution, "regions"),
        (Institution, "members"),
        (Product, "fields"),
        (Product, "regions"),
        (CoordinatorScope, "regions"),
    ):
        through = model._meta.get_field(field_name).remote_field.through
        counts[f"{model.__name__}.{field_name}"] = through.objects.count()
    return counts


def seed_demo(*, scale: int = 1, password: str, superuser_password: str | None = None) -> dict[str, int]:
    """Write `scale` blocks of demo data and the demo logins; return row counts per model.

    `superuser_password` is the `admin` login's; without it `admin` shares `password` (the DEBUG demo).
    Deterministic and idempotent: only rows whose natural key is missing are created, so running it
    again (at the same or a smaller scale) changes nothing but the demo users' passwords and flags.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if not password:
        raise ValueError("a demo password is required")
    enterprises = [enterprise_spec(index) for index in range(scale * ENTERPRISES_PER_BLOCK)]
    institutions = [institution_spec(index) for index in range(scale * INSTITUTIONS_PER_BLOCK)]
    tasks = [
        task
        for block in range(scale)
        for task in task_specs(
            block, enterprises[block * ENTERPRISES_PER_BLOCK : (block + 1) * ENTERPRISES_PER_BLOCK]
        )
    ]
    with transaction.atomic():
        regions = _reference_ids(Region, (region.code for region in REGIONS))
        fields = _reference_ids(TechField, ref.ROOT_OF_FIELD)
        enterprise_ids = _seed_enterprises(enterprises, regions, fields)
        _seed_tasks(tasks, enterprise_ids, fields)
        institution_ids = _seed_institutions(institutions, regions, fields)
        _seed_users((password, superuser_password or password), enterprise_ids, institution_ids, regions)
    return demo_counts()
