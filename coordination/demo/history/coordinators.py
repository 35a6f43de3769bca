"""The coordinators' side of the history: triage (route to the matcher's proposal, ask, or reject), approve
(maker-checker for escalated requests), and close funded requests. Shanghai's requests go to the Shanghai
coordinator; Beijing's, Shenzhen's and every escalated one to the national coordinators."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.models import AbstractBaseUser

from coordination.choices import RequestStatus
from coordination.services import approvals, routing
from coordination.services import financing_requests as requests

from .profiles import NATIONAL, REGIONAL, CoordinatorProfile
from .world import Open, World

SHANGHAI_PREFIX = "31"
REJECTIONS = (
    "融资用途与科技创新关联度不足。",
    "企业经营数据与申请金额明显不匹配。",
    "不属于本机制支持范围。",
)
NO_PRODUCT = "经匹配暂无可承接的金融产品，建议调整金额或期限后重新申请。"
QUESTIONS = (
    "请补充近三个月银行流水。",
    "请说明研发项目进度及资金使用计划。",
    "请补充主要股东及实际控制人信息。",
)


def _desk(world: World, region_code: str, escalated: bool) -> tuple[AbstractBaseUser, CoordinatorProfile]:
    if escalated or not region_code.startswith(SHANGHAI_PREFIX):
        return world.cast.coordinators["national"], NATIONAL
    return world.cast.coordinators["regional"], REGIONAL


def work(world: World) -> None:
    """One round at the desks: what waits in triage, for approval, and to be closed."""
    requests_now = world.open_requests()
    triage(world, requests_now.get(RequestStatus.TRIAGE, []))
    approve(world, requests_now.get(RequestStatus.OFFER_ACCEPTED, []))
    close(world, requests_now.get(RequestStatus.FUNDED, []))


def triage(world: World, waiting: list[Open]) -> None:
    for pk, _, version, escalated, region_code, rerouting, _, _ in waiting:
        plan = world.plans[pk]
        user, profile = _desk(world, region_code, escalated)
        rng = world.rng("triage", plan.key, version)
        if "triage" in plan.holds or not world.due(
            ("triage", pk, version), profile.lag(rng, profile.triage_days) * plan.pace
        ):
            continue
        verdict = "route"
        if not rerouting and ("first-triage", pk) not in world.decided:
            world.decided.add(("first-triage", pk))
            verdict = plan.verdict or _judgement(profile, rng.random())
        if verdict == "route" and _route(world, pk, user):
            continue
        if verdict == "ask":
            question = rng.choice(QUESTIONS)
            world.act(
                "request_info",
                partial(requests.request_information, request_id=pk, user=user, reason=question),
            )
            continue
        # A rejection by choice, or the matcher found nothing (left) to route to.
        reason = rng.choice(REJECTIONS) if verdict == "reject" else NO_PRODUCT
        world.act(
            "reject",
            partial(requests.reject_request, request_id=pk, user=user, reason=reason),
        )


def _judgement(profile: CoordinatorProfile, roll: float) -> str:
    """A first triage's outcome: most requests are routed, some rejected, some sent back with a question."""
    if roll < profile.rejects:
        return "reject"
    return "ask" if roll < profile.rejects + profile.asks_info else "route"


def _route(world: World, request_id: int, user: AbstractBaseUser) -> bool:
    """To the matcher's proposal; False when it proposes nothing (left) to route to."""
    routed = world.act("route", partial(routing.route_request, request_id=request_id, user=user))
    return routed is not None


def approve(world: World, accepted: list[Open]) -> None:
    for pk, _, _, escalated, region_code, _, proposed, _ in accepted:
        plan = world.plans[pk]
        user, profile = _desk(world, region_code, escalated)
        step = "confirm" if proposed else "approve"
        if proposed:
            user = world.cast.coordinators["checker"]
        lag = profile.lag(world.rng(step, plan.key), profile.approve_days) * plan.pace
        if step in plan.holds or not world.due((step, pk), lag):
            continue
        world.act(step, partial(approvals.approve_request, request_id=pk, user=user))


def close(world: World, funded: list[Open]) -> None:
    for pk, _, _, escalated, region_code, _, _, _ in funded:
        plan = world.plans[pk]
        user, profile = _desk(world, region_code, escalated)
        lag = profile.lag(world.rng("close", plan.key), profile.close_days) * plan.pace
        if "close" in plan.holds or not world.due(("close", pk), lag):
            continue
        world.act("close", partial(requests.close_request, request_id=pk, user=user))
