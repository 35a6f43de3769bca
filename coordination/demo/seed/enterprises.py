"""Demo enterprises: a spec per index (region, fields, stage, financials, certificates), bulk-inserted."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from projects.choices import Industry, SpecialisedStatus, Stage
from projects.domain.tech_sme import TechSmeEvaluation, TechSmeInput, evaluate_tech_sme
from projects.models import Enterprise, EnterpriseFinancials

from .. import reference as ref
from .blocks import AS_OF, FINANCIAL_YEARS, LATEST_YEAR, bulk_create, demo_credit_code, link_pairs, rng_for


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


ROOT_FIELDS = tuple(ref.ROOT_FIELD_WEIGHTS)


_ROOT_WEIGHTS = tuple(ref.ROOT_FIELD_WEIGHTS.values())


_INDUSTRIES = (Industry.INDUSTRY, Industry.SOFTWARE_IT, Industry.OTHER)


STAGES = (Stage.STARTUP, Stage.GROWTH, Stage.STABLE)


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
    rng = rng_for("enterprise", index)
    anchor = ANCHOR_ENTERPRISES.get(index)
    if anchor is not None:
        region, stage, industry, fields = anchor.region, anchor.stage, anchor.industry, anchor.fields
        root = ref.ROOT_OF_FIELD[fields[0]]
        founded_on, employees, name = anchor.founded_on, anchor.employees, anchor.name
        strong = True
    else:
        region = rng.choices(_REGION_CODES, _REGION_WEIGHTS)[0]
        stage = rng.choices(STAGES, (35, 45, 20))[0]
        root = rng.choices(ROOT_FIELDS, _ROOT_WEIGHTS)[0]
        industry = rng.choices(_INDUSTRIES, ref.INDUSTRY_WEIGHTS_BY_ROOT[root])[0]
        children = ref.CHILD_FIELDS[root]
        picked = rng.sample(children, rng.choice((1, 1, 2)))
        if rng.random() < 0.2:
            other_root = rng.choice(ROOT_FIELDS)
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


def seed_enterprises(
    specs: Sequence[EnterpriseSpec], regions: dict[str, int], fields: dict[str, int]
) -> dict[int, int]:
    """Return enterprise index -> id."""
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    bulk_create(
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
    bulk_create(
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
    link_pairs(
        Enterprise, "fields", ((ids[spec.index], fields[code]) for spec in specs for code in spec.fields)
    )
    return ids
