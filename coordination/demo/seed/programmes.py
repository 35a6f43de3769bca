"""Demo policy programmes (DESIGN §8, §10): published, in force from 2025 and open-ended, so that the
journey's offers show their support on a fresh `make run`.

* Shanghai's interest subsidy covers the journey's 3 000 000-yuan 24-month credit loan from either of
  demo-applicant's enterprises, repeat loans too, with a budget for many runs of the journey.
* Shanghai's risk-compensation pool, Shenzhen's guarantee-fee subsidy, the national first-set equipment
  insurance subsidy and the national re-lending facility, each with DESIGN §10's defaults.

Idempotent: a programme whose (code, version) exists is left as it is (published versions never change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from lenders.choices import Instrument

from ...choices import IssuerLevel, ProgrammeKind
from ...models import PolicyProgramme
from ...policies.parameters import validated

IN_FORCE_FROM = date(2025, 1, 1)


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name: str
    level: str
    region: str | None
    kind: str
    budget: Decimal
    instruments: tuple[str, ...] = ()
    parameters: dict = field(default_factory=dict)
    requires_tech_sme: bool = False


PROGRAMMES = (
    ProgrammeSpec(
        code="shanghai-sci-tech-loan-interest-subsidy",
        name="上海市科技型中小企业贷款贴息",
        level=IssuerLevel.MUNICIPAL,
        region="310000",
        kind=ProgrammeKind.INTEREST_SUBSIDY,
        budget=Decimal("2000000000"),
        instruments=(Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN),
    ),
    ProgrammeSpec(
        code="shanghai-sci-tech-loan-risk-pool",
        name="上海市科技信贷风险补偿资金池",
        level=IssuerLevel.MUNICIPAL,
        region="310000",
        kind=ProgrammeKind.RISK_COMPENSATION,
        budget=Decimal("500000000"),
        requires_tech_sme=True,
    ),
    ProgrammeSpec(
        code="shenzhen-guarantee-fee-subsidy",
        name="深圳市科技企业融资担保费补贴",
        level=IssuerLevel.MUNICIPAL,
        region="440300",
        kind=ProgrammeKind.GUARANTEE_FEE_SUBSIDY,
        budget=Decimal("100000000"),
    ),
    ProgrammeSpec(
        code="national-first-set-insurance-subsidy",
        name="首台（套）重大技术装备保险补偿",
        level=IssuerLevel.NATIONAL,
        region=None,
        kind=ProgrammeKind.INSURANCE_PREMIUM_SUBSIDY,
        budget=Decimal("1000000000"),
        instruments=(Instrument.FIRST_SET_INSURANCE,),
        parameters={"share": "0.8", "max_premium_rate": "0.03", "max_years": 3},
    ),
    ProgrammeSpec(
        code="national-sci-tech-relending",
        name="科技创新和技术改造再贷款",
        level=IssuerLevel.NATIONAL,
        region=None,
        kind=ProgrammeKind.RELENDING,
        budget=Decimal("1200000000000"),
    ),
)


def seed_programmes(regions: dict[str, int]) -> None:
    """Create the demo programmes that are missing, published now."""
    existing = set(PolicyProgramme.objects.values_list("code", "version"))
    now = timezone.now()
    PolicyProgramme.objects.bulk_create(
        [
            PolicyProgramme(
                code=spec.code,
                version=1,
                name=spec.name,
                level=spec.level,
                region_id=regions[spec.region] if spec.region else None,
                kind=spec.kind,
                valid_from=IN_FORCE_FROM,
                budget=spec.budget,
                instruments=list(spec.instruments),
                requires_tech_sme=spec.requires_tech_sme,
                parameters=validated(spec.kind, spec.parameters)[0],
                published_at=now,
            )
            for spec in PROGRAMMES
            if (spec.code, 1) not in existing
        ]
    )
