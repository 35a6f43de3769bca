"""What the history's applicants intend: who asks for what and when, and how each applicant behaves.

Everything here is drawn before the first service call, from one `random.Random` seeded by the day the
history ends, so a given day gives the same plans. The other parties' decisions (institutions,
coordinators) are drawn when they act, each from a seed of its own (`World.rng`).

Beside the drawn requests, a few *anchored* ones are placed at fixed distances from the window's end so
that every resting state of a request is present whatever the draw: a draft; one waiting in triage; one
whose information request is unanswered; three routed (not yet opened; opened and not yet decided;
offered, the applicant still choosing); one awaiting approval and one awaiting the second (checker's)
confirmation; one approved and not yet funded; one funded and not yet closed; and, early in the window,
one of each end: closed (escalated, so through maker and checker), rejected, withdrawn, expired.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from lenders.choices import Instrument
from projects.choices import Stage, TaskLevel

from ..seed.blocks import APPLICANT_2_ENTERPRISE, APPLICANT_ENTERPRISES, ENTERPRISES_PER_BLOCK
from ..seed.enterprises import EnterpriseSpec, enterprise_spec
from ..seed.tasks import task_specs
from .clock import local

I = Instrument  # noqa: E741 - table shorthand
M = 1_000_000

# The history's three cities (GB/T 2260 prefixes) and their share of the requests.
CITIES: dict[str, tuple[str, int]] = {"shanghai": ("31", 45), "beijing": ("11", 35), "shenzhen": ("4403", 20)}
REQUESTS_PER_MONTH = 8  # at history scale 1

# (instrument, weight, amount range in millions, terms in months) per stage.
SHAPES: dict[str, tuple[tuple[str, int, tuple[float, float], tuple[int, ...]], ...]] = {
    Stage.STARTUP: (
        (I.CREDIT_LOAN, 50, (0.5, 5), (12, 24, 36)),
        (I.EQUITY, 22, (3, 20), (60, 84)),
        (I.IP_PLEDGE_LOAN, 8, (1, 5), (12, 24)),
        (I.LOAN_GUARANTEE_INSURANCE, 7, (0.5, 3), (12, 24)),
    ),
    Stage.GROWTH: (
        (I.CREDIT_LOAN, 45, (2, 20), (12, 24, 36)),
        (I.IP_PLEDGE_LOAN, 8, (2, 15), (12, 24, 36)),
        (I.EQUITY, 12, (10, 60), (60, 84)),
        (I.RD_INSURANCE, 10, (1, 8), (12, 24)),
        (I.LOAN_GUARANTEE_INSURANCE, 8, (1, 5), (12, 24)),
    ),
    Stage.STABLE: (
        (I.CREDIT_LOAN, 45, (5, 40), (24, 36)),
        (I.SCI_TECH_BOND, 5, (50, 200), (60,)),
        (I.IP_PLEDGE_LOAN, 8, (5, 20), (24, 36)),
        (I.FIRST_SET_INSURANCE, 13, (2, 20), (12,)),
    ),
}
# What applicants write as the purpose (demo content, in the demo's language).
PURPOSES: dict[str, tuple[str, ...]] = {
    I.CREDIT_LOAN: ("研发投入与流动资金周转", "扩大产线及原材料采购", "新产品量产备货", "研发团队扩充"),
    I.IP_PLEDGE_LOAN: ("以发明专利质押补充研发资金", "知识产权质押融资用于中试线建设"),
    I.EQUITY: ("新一轮股权融资：扩充研发团队与市场拓展", "引入战略投资者，建设示范工程"),
    I.RD_INSURANCE: ("为关键研发项目投保研发费用损失险",),
    I.FIRST_SET_INSURANCE: ("首台（套）重大技术装备投保",),
    I.LOAN_GUARANTEE_INSURANCE: ("为科技贷款投保贷款保证保险",),
    I.GUARANTEE: ("申请融资担保以获得银行贷款",),
    I.SCI_TECH_BOND: ("发行科创债券用于重大项目建设",),
}


@dataclass(frozen=True)
class PoolEnterprise:
    index: int
    credit_code: str
    city: str
    stage: str
    task_code: str | None  # a national major task it leads or joins: its packages are escalated


@dataclass(frozen=True)
class Plan:
    key: int
    enterprise: PoolEnterprise
    arrives: datetime
    tranches: tuple[tuple[str, Decimal], ...]
    term_months: int
    purpose: str
    major_task_code: str | None = None
    submits: bool = True
    complete: bool = True  # both documents screening requires are attached
    answers: bool = True  # answers the coordinator's and the institutions' questions
    answer_days: float = 3.0
    verdict: str | None = None  # the first triage's outcome, when not the coordinator's own judgement
    withdraws_from: str | None = None  # the request status it withdraws from, if any
    withdraw_days: float = 3.0
    accepts: bool = True
    accept_days: float = 2.0
    sure_offer: bool = False  # every institution it reaches offers (the anchored requests)
    pace: float = 1.0  # multiplies every party's delay on this request
    holds: frozenset[str] = field(default_factory=frozenset)  # steps nobody takes: it rests before them
    # Filed as a national coordinator's package for `major_task_code`, which the enterprise (the task's
    # lead) confirms as its request (DESIGN §14), instead of by the applicant alone.
    package: bool = False

    @property
    def amount(self) -> Decimal:
        return sum((amount for _, amount in self.tranches), Decimal(0))


def pool() -> dict[str, list[PoolEnterprise]]:
    """The first block's enterprises in the three cities, less the demo logins' own (their state is the
    journey's): the same whatever `--scale` the catalogue has."""
    specs = [enterprise_spec(index) for index in range(ENTERPRISES_PER_BLOCK)]
    national_task: dict[int, str] = {}
    for task in task_specs(0, specs):
        if task.level == TaskLevel.NATIONAL:
            for index in (task.lead, *task.participants):
                national_task.setdefault(index, task.code)
    reserved = {*APPLICANT_ENTERPRISES, APPLICANT_2_ENTERPRISE}
    cities: dict[str, list[PoolEnterprise]] = {city: [] for city in CITIES}
    for spec in specs:
        city = _city_of(spec)
        if city is None or spec.index in reserved:
            continue
        cities[city].append(
            PoolEnterprise(spec.index, spec.credit_code, city, spec.stage, national_task.get(spec.index))
        )
    return cities


def _city_of(spec: EnterpriseSpec) -> str | None:
    return next((city for city, (prefix, _) in CITIES.items() if spec.region.startswith(prefix)), None)


def _amount(rng: random.Random, low: float, high: float) -> Decimal:
    step = 100_000 if high <= 10 else 1_000_000
    return Decimal(max(step, round(rng.uniform(low, high) * M / step) * step))


def _shape(
    rng: random.Random, enterprise: PoolEnterprise
) -> tuple[tuple[tuple[str, Decimal], ...], int, str]:
    """(tranches, term, purpose): one instrument, or a national major task's package: a loan and equity."""
    if enterprise.task_code and rng.random() < 0.3:
        tranches = ((I.CREDIT_LOAN, _amount(rng, 10, 40)), (I.EQUITY, _amount(rng, 10, 30)))
        return tranches, 48, "国家重大科技任务配套融资"
    shapes = SHAPES[enterprise.stage]
    instrument, _, (low, high), terms = rng.choices(shapes, [weight for _, weight, _, _ in shapes])[0]
    return ((instrument, _amount(rng, low, high)),), rng.choice(terms), rng.choice(PURPOSES[instrument])


def drawn_plans(
    rng: random.Random, cities: dict[str, list[PoolEnterprise]], days: list[date], count: int
) -> list[Plan]:
    """`count` requests over the window's business days, a little more each month (demand grows)."""
    weights = [1 + 0.6 * position / max(1, len(days) - 1) for position in range(len(days))]
    city_names = list(CITIES)
    city_weights = [CITIES[city][1] for city in city_names]
    plans = []
    for key in range(count):
        day = rng.choices(days, weights)[0]
        arrives = local(day, *rng.choice(((9, 30), (15, 0))))
        enterprise = rng.choice(cities[rng.choices(city_names, city_weights)[0]])
        tranches, term, purpose = _shape(rng, enterprise)
        submits, leaves = rng.random() >= 0.04, rng.random()
        plans.append(
            Plan(
                key=key,
                enterprise=enterprise,
                arrives=arrives,
                tranches=tranches,
                term_months=term,
                purpose=purpose,
                major_task_code=enterprise.task_code if len(tranches) > 1 else None,
                submits=submits,
                complete=rng.random() >= 0.12,
                answers=rng.random() >= 0.25,
                answer_days=rng.uniform(0.5, 9),
                withdraws_from="triage" if leaves < 0.02 else "routed" if leaves < 0.06 else None,
                withdraw_days=rng.uniform(0.5, 6),
                accepts=rng.random() >= 0.07,
                accept_days=rng.uniform(0.3, 5),
                pace=rng.uniform(0.7, 1.3),
            )
        )
    return plans


PACKAGES = 4  # a national major task's packages over the window, its gap closing as they are funded


def package_task() -> tuple[str, int, int] | None:
    """The national major task whose packages the history funds: the first of the first block led by an
    enterprise of the history's cities other than the demo logins' own (their state is the journey's).
    (task code, lead's index, financing gap in yuan); None if the block has none."""
    specs = [enterprise_spec(index) for index in range(ENTERPRISES_PER_BLOCK)]
    reserved = {*APPLICANT_ENTERPRISES, APPLICANT_2_ENTERPRISE}
    for task in task_specs(0, specs):
        lead = specs[task.lead]
        if task.level == TaskLevel.NATIONAL and task.lead not in reserved and _city_of(lead) is not None:
            return task.code, task.lead, task.financing_gap
    return None


def package_plans(cities: dict[str, list[PoolEnterprise]], days: list[date], first_key: int) -> list[Plan]:
    """The task's packages, spread over the window: each a credit loan of about an eighth of its gap, which
    every institution it reaches offers (so that the gap visibly closes month by month as they are funded)."""
    found = package_task()
    if found is None:
        return []
    code, lead_index, gap = found
    lead = next(e for pool in cities.values() for e in pool if e.index == lead_index)
    amount = Decimal(min(30 * M, max(5 * M, gap // 8 // M * M)))
    last = len(days) - 1
    return [
        Plan(
            key=first_key + offset,
            enterprise=lead,
            arrives=local(days[last * offset // PACKAGES], 9, 30),
            tranches=((I.CREDIT_LOAN, amount),),
            term_months=36,
            purpose="国家重大科技任务融资包：研发与产业化配套贷款",
            major_task_code=code,
            verdict="route",
            sure_offer=True,
            answer_days=1.0,
            accept_days=0.5,
            pace=0.5,
            package=True,
        )
        for offset in range(PACKAGES)
    ]


def anchored_plans(cities: dict[str, list[PoolEnterprise]], days: list[date], first_key: int) -> list[Plan]:
    """One request resting in each state (see the module's docstring), from Shanghai's growth and stable
    enterprises, so that the Shanghai coordinator's queues have them too."""
    shanghai = [e for e in cities["shanghai"] if e.stage != Stage.STARTUP]
    last = len(days) - 1

    def day(offset_from_end: int | None = None, from_start: int | None = None) -> date:
        position = from_start if from_start is not None else last - (offset_from_end or 0)
        return days[min(last, max(0, position))]

    loan = ((I.CREDIT_LOAN, Decimal(5 * M)),)
    escalated = ((I.CREDIT_LOAN, Decimal(55 * M)),)
    specs: list[tuple[date, dict]] = [
        (day(from_start=0), {"sure_offer": True, "pace": 0.3, "tranches": escalated}),  # closed
        (day(from_start=1), {"complete": False, "answers": False}),  # expired: the question never answered
        (day(from_start=2), {"verdict": "reject"}),
        (day(from_start=3), {"withdraws_from": "triage", "withdraw_days": 0.5, "holds": {"triage"}}),
        (day(from_start=last // 3), {"submits": False}),  # a draft
        (day(20), {"sure_offer": True, "pace": 0.5, "holds": {"close"}}),  # funded
        (day(15), {"sure_offer": True, "pace": 0.5, "holds": {"fund"}}),  # approved
        (day(12), {"sure_offer": True, "pace": 0.5, "holds": {"approve"}}),  # awaiting approval
        (day(12), {"sure_offer": True, "pace": 0.5, "holds": {"confirm"}, "tranches": escalated}),
        (day(4), {"complete": False, "answers": False}),  # information requested
        (day(6), {"sure_offer": True, "holds": {"accept"}}),  # routed, offers waiting for the applicant
        (day(3), {"holds": {"decide"}}),  # routed, opened, not yet decided
        (day(3), {"holds": {"open"}}),  # routed, not yet opened
        (day(0), {"holds": {"triage"}}),  # in triage
    ]
    plans = []
    for offset, (when, options) in enumerate(specs):
        base = Plan(
            key=first_key + offset,
            enterprise=shanghai[offset % len(shanghai)],
            arrives=local(when, 9, 30),
            tranches=loan,
            term_months=24,
            purpose=PURPOSES[I.CREDIT_LOAN][offset % len(PURPOSES[I.CREDIT_LOAN])],
            answer_days=1.0,
            accept_days=0.5,
            verdict="route",
        )
        options["holds"] = frozenset(options.get("holds", ()))
        plans.append(replace(base, **options))
    return plans
