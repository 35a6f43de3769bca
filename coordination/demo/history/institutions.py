"""The institutions' side of the history: open, ask, offer or decline (with a reason), take an offer back,
record the funding — each at the pace and with the appetite of its profile. A referral an institution
never answers is left to the deadline sweep, which expires it."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.contrib.auth.models import AbstractBaseUser, User

from coordination import selectors
from coordination.choices import OfferStatus, ReferralStatus, RequestStatus
from coordination.models import Offer, Referral, Tranche
from coordination.services import approvals, loss_claims, referrals
from lenders.choices import Instrument
from lenders.models import Product

from .world import World

QUESTIONS = ("请补充近两年主要客户合同。", "请说明本次融资的还款来源。", "请补充核心技术人员名单及社保证明。")
DECLINE_NOTES = ("", "", "经内部评审，暂不符合准入要求。", "建议完善材料后重新申请。")
WITHDRAWN_OFFER = ("授信额度调整，撤回本次报价。", "内部审批未通过，撤回报价。")
# Rates where a product names none (fractions a year).
DEFAULT_RATES: dict[str, tuple[Decimal, Decimal]] = {
    Instrument.RD_INSURANCE: (Decimal("0.005"), Decimal("0.02")),
    Instrument.FIRST_SET_INSURANCE: (Decimal("0.01"), Decimal("0.03")),
    Instrument.LOAN_GUARANTEE_INSURANCE: (Decimal("0.01"), Decimal("0.025")),
    Instrument.GUARANTEE: (Decimal("0.005"), Decimal("0.015")),
}
LOAN_RATES = (Decimal("0.028"), Decimal("0.045"))


def work(world: World) -> None:
    """One round at the institutions: referrals of routed requests, then disbursements of approved ones."""
    requests_now = world.open_requests()
    routed = [request.pk for request in requests_now.get(RequestStatus.ROUTED, [])]
    if routed:
        review(world, routed)
        take_back_offers(world, routed)
    approved = [request.pk for request in requests_now.get(RequestStatus.APPROVED, [])]
    if approved:
        fund(world, approved)


def review(world: World, routed: list[int]) -> None:
    """Open what has arrived and decide what has been read, referral by referral, oldest first."""
    live = Referral.objects.filter(
        request_id__in=routed, status__in=[ReferralStatus.SENT, ReferralStatus.REVIEWING]
    ).order_by("pk")
    rows = live.values_list(
        "pk", "status", "version", "institution_id", "request_id", "info_request", "tranche__position"
    )
    for pk, status, version, institution_id, request_id, asked, position in world.rows(
        "live referrals", rows
    ):
        plan = world.plans[request_id]
        profile = world.profile(institution_id)
        character = world.rng("referral", plan.key, position, institution_id)
        if not plan.sure_offer and character.random() < profile.silence:
            continue  # never answered: the sweep expires it at its deadline
        reviewer = world.cast.reviewer(institution_id)
        if status == ReferralStatus.SENT:
            if "open" in plan.holds or not world.due(
                ("open", pk), profile.lag(character, profile.open_days) * plan.pace
            ):
                continue
            world.act(
                "open",
                partial(referrals.open_referral, referral_id=pk, user=reviewer),
            )
            continue
        choice = world.rng("decide", plan.key, position, institution_id, version)
        if "decide" in plan.holds or not world.due(
            ("decide", pk, version), profile.lag(choice, profile.decide_days) * plan.pace
        ):
            continue
        if not plan.sure_offer and not asked and choice.random() < profile.asks_info:
            question = choice.choice(QUESTIONS)
            world.act(
                "ask",
                partial(referrals.request_referral_info, referral_id=pk, user=reviewer, reason=question),
            )
        elif plan.sure_offer or choice.random() < profile.appetite:
            _offer(world, pk, reviewer, choice)
        else:
            reasons, weights = zip(*profile.decline_reasons, strict=True)
            reason, note = choice.choices(reasons, weights)[0], choice.choice(DECLINE_NOTES)
            world.act(
                "decline",
                partial(
                    referrals.decline_referral, referral_id=pk, user=reviewer, reason_code=reason, note=note
                ),
            )


def _between(low: Decimal, high: Decimal, position: float) -> Decimal:
    return (low + (high - low) * Decimal(str(round(position, 4)))).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _offer(world: World, referral_id: int, reviewer: AbstractBaseUser, choice: random.Random) -> None:
    referral = Referral.objects.select_related("tranche", "request", "product").get(pk=referral_id)
    product: Product = referral.product
    profile = world.profile(referral.institution_id)
    instrument = referral.tranche.instrument
    share = Decimal(str(round(choice.uniform(*profile.share_offered), 2)))
    amount = max(Decimal(100_000), (referral.tranche.amount * share / 100_000).quantize(Decimal(1)) * 100_000)
    amount = min(amount, referral.tranche.amount)
    position = choice.uniform(*profile.rate_position)
    rate: Decimal | None = None
    terms: dict[str, str] = {}
    if instrument == Instrument.EQUITY:
        low = product.stake_min or Decimal("0.05")
        high = product.stake_max or Decimal("0.2")
        stake = _between(low, high, position)
        terms = {
            "pre_money_valuation": str((amount / stake - amount).quantize(Decimal(1))),
            "stake": str(stake),
        }
    elif product.rate_min is not None and product.rate_max is not None:
        rate = _between(product.rate_min, product.rate_max, position)
    else:
        low, high = DEFAULT_RATES.get(instrument, LOAN_RATES)
        rate = _between(low, high, position)
    valid_until = world.clock.now.date() + timedelta(days=choice.randint(*profile.validity_days))
    world.act(
        "offer",
        partial(
            referrals.make_offer,
            referral_id=referral_id,
            user=reviewer,
            amount=amount,
            valid_until=valid_until,
            annual_rate=rate,
            term_months=referral.request.term_months,
            terms=terms,
        ),
    )


def take_back_offers(world: World, routed: list[int]) -> None:
    """Now and then an institution withdraws an open offer (its credit line changed) before it is taken."""
    offers = Offer.objects.filter(request_id__in=routed, status=OfferStatus.OPEN)
    rows = offers.values_list("pk", "referral__institution_id", "request_id", "tranche__position")
    for pk, institution_id, request_id, position in world.rows("offers to take back", rows):
        profile = world.profile(institution_id)
        rng = world.rng("take-back", world.plans[request_id].key, position, institution_id)
        if rng.random() >= profile.withdraws_offer or not world.due(("take-back", pk), rng.uniform(1, 6)):
            continue
        reviewer, reason = world.cast.reviewer(institution_id), rng.choice(WITHDRAWN_OFFER)
        world.act(
            "withdraw_offer",
            partial(referrals.withdraw_offer, offer_id=pk, user=reviewer, reason=reason),
        )


def fund(world: World, approved: list[int]) -> None:
    """Each approved tranche is disbursed by the institution whose offer was accepted."""
    waiting = Tranche.objects.filter(
        request_id__in=approved, accepted_offer__isnull=False, funded_on__isnull=True
    ).order_by("pk")
    rows = waiting.values_list("pk", "request_id", "accepted_offer__referral__institution_id", "position")
    for pk, request_id, institution_id, position in world.rows("tranches to fund", rows):
        plan = world.plans[request_id]
        profile = world.profile(institution_id)
        lag = profile.lag(world.rng("fund", plan.key, position), profile.fund_days) * plan.pace
        if "fund" in plan.holds or not world.due(("fund", pk), lag):
            continue
        reviewer = world.cast.reviewer(institution_id)
        world.act(
            "fund",
            partial(approvals.record_funding, request_id=request_id, user=reviewer, tranche_id=pk),
        )


DEFAULT_NOTE = "借款企业经营困难，逾期超过九十日，已进入诉讼程序。"


def report_one_default(world: World, username: str) -> None:
    """DESIGN §10 in the demo: that reviewer (demo-bank) reports a default, half the principal lost, on its
    earliest funded loan that a risk pool covers, so a coordinator finds a claim to approve."""
    reviewer = User.objects.filter(username=username).first()
    if reviewer is None:
        return
    tranche = selectors.claimable_tranches(reviewer).order_by("funded_on", "pk").first()
    if tranche is None or tranche.funded_amount is None:
        return
    loss = (tranche.funded_amount / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    world.act(
        "report_default",
        partial(
            loss_claims.report_default,
            tranche_id=tranche.pk,
            user=reviewer,
            loss=loss,
            defaulted_on=world.clock.now.date(),
            note=DEFAULT_NOTE,
        ),
    )
