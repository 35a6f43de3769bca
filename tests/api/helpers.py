"""Shared state and helpers for the per-endpoint, per-role API tests.

`build_state()` makes, through the services, one object per interesting situation:

- `draft_a`     applicant A's request, still a draft (documents attached)
- `triage_a`    applicant A's request in triage (not routed yet)
- `routed_a`    applicant A's request routed to bank X and bank Y; both opened and made an open offer
                (`offer_x`, `offer_y`); bank X's referral carries an internal note
- `accepted_a`  applicant A's request routed to bank X only; A accepted X's offer (`offer_x2`)
- `triage_b`    applicant B's (Beijing) request in triage
- `routed_b`    applicant B's request routed to bank X and bank Y: X declined with a note (`ref_xb`),
                Y's referral is still `sent` (`ref_yb`)
- `claim_a`     bank X's reported loss claim on `accepted_a`'s tranche, on the national risk pool `pool_a`;
                the tranche is marked paid out (the request itself stays `offer_accepted`) and a second
                pool, `pool_b`, covers it too, with no claim yet

- `package_draft`, `package_proposed`  the Shanghai coordinator's packages for the major task (led by
                enterprise A): one still a draft, one proposed to enterprise A; each a 3 000 000-yuan credit
                loan for 24 months, bank X invited

plus applicant A as the manager of enterprise A and applicant B's pending request to join it (`join_b_to_a`),
one in-app notification each for applicant A and bank X, one webhook each for enterprise A
and bank X, one innovation-credit score each for enterprises A and B, and a spare API token of
applicant A's (`token_a`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from coordination.models import (
    Notification,
    Offer,
    RecommendationConsent,
    Referral,
    Tranche,
    WebhookSubscription,
)
from coordination.services import financing_requests as rq
from coordination.services import packages as ps
from coordination.services import referrals as rs
from coordination.services import routing
from coordination.services.enterprise_onboarding import request_to_join
from coordination.services.loss_claims import report_default
from coordination.services.outreach.follow_ups import open_entry, record_follow_up
from coordination.services.outreach.lists import build_list, publish_list
from coordination.services.tokens import issue_token
from coordination.workflow import ledger
from tests import factories as f
from tests.conftest import World
from tests.factories_policy import ProgrammeFactory

PASSWORD = "pw-for-tests"
ROLES = ("anonymous", "applicant_a", "applicant_b", "bank_x", "bank_y", "coordinator", "national")
INTERNAL_NOTE = "X-internal: do not show the applicant"
DECLINE_NOTE = "Y-decline: our own words"

_keys = itertools.count()


def new_key() -> str:
    return f"test-key-{next(_keys)}"


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@dataclass
class State:
    world: World
    users: dict[str, object]
    tokens: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def users_of(world: World) -> dict[str, object]:
    return {
        "anonymous": None,
        "applicant_a": world.applicant_a,
        "applicant_b": world.applicant_b,
        "bank_x": world.bank_x_user,
        "bank_y": world.bank_y_user,
        "coordinator": world.coordinator,
        "national": world.national,
    }


def _routed(world: World, enterprise, applicant, products, *, coordinator):
    request = f.draft_request(user=applicant, enterprise=enterprise)
    rq.submit_request(request_id=request.pk, user=applicant)
    routing.route_request(request_id=request.pk, user=coordinator, product_ids=[p.pk for p in products])
    return request


def _offer(referral: Referral, user) -> Offer:
    rs.open_referral(referral_id=referral.pk, user=user)
    return rs.make_offer(
        referral_id=referral.pk,
        user=user,
        amount=referral.tranche.amount,
        annual_rate=Decimal("0.0310"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=30),
    )


def credit_score(enterprise, year: int = 2025, total: str = "61.50"):
    """A stored innovation-credit score under the shipped model (the numbers need not add up here)."""
    from projects.models import InnovationCreditScore
    from projects.models_credits import CreditModel

    model = CreditModel.objects.current()
    return InnovationCreditScore.objects.create(
        enterprise=enterprise,
        model=model,
        year=year,
        stage=enterprise.stage,
        cohort=f"{enterprise.region.code[:2]}0000:{enterprise.stage}",
        total=Decimal(total),
        tech_innovation=Decimal(total),
        growth_operations=Decimal("0"),
        auxiliary=Decimal("0"),
        model_fingerprint=model.fingerprint,
        computed_at=timezone.now(),
    )


def build_state() -> State:
    world = World()
    users = users_of(world)
    state = State(
        world=world,
        users=users,
        tokens={role: issue_token(user=user)[1] for role, user in users.items() if user is not None},
    )
    a, b = world.applicant_a, world.applicant_b

    draft_a = f.draft_request(user=a, enterprise=world.enterprise_a)

    triage_a = f.draft_request(user=a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=triage_a.pk, user=a)

    routed_a = _routed(
        world, world.enterprise_a, a, [world.loan_x, world.loan_y], coordinator=world.coordinator
    )
    ref_x = Referral.objects.get(request=routed_a, institution=world.bank_x)
    ref_y = Referral.objects.get(request=routed_a, institution=world.bank_y)
    offer_x = _offer(ref_x, world.bank_x_user)
    offer_y = _offer(ref_y, world.bank_y_user)
    Referral.objects.filter(pk=ref_x.pk).update(internal_note=INTERNAL_NOTE)

    accepted_a = _routed(world, world.enterprise_a, a, [world.loan_x], coordinator=world.coordinator)
    ref_x2 = Referral.objects.get(request=accepted_a)
    offer_x2 = _offer(ref_x2, world.bank_x_user)
    rs.accept_offer(offer_id=offer_x2.pk, user=a)

    triage_b = f.draft_request(user=b, enterprise=world.enterprise_b)
    rq.submit_request(request_id=triage_b.pk, user=b)

    routed_b = _routed(world, world.enterprise_b, b, [world.loan_x, world.loan_y], coordinator=world.national)
    ref_xb = Referral.objects.get(request=routed_b, institution=world.bank_x)
    ref_yb = Referral.objects.get(request=routed_b, institution=world.bank_y)
    rs.decline_referral(
        referral_id=ref_xb.pk, user=world.bank_x_user, reason_code="outside_appetite", note=DECLINE_NOTE
    )

    notification_a = Notification.objects.create(
        user=a, topic="financing_request.route", title="Routed", request=routed_a, delivery_key="n-a"
    )
    notification_x = Notification.objects.create(
        user=world.bank_x_user,
        topic="referral.route",
        title="New referral",
        request=routed_a,
        delivery_key="n-x",
    )
    webhook_a = WebhookSubscription.objects.create(
        enterprise=world.enterprise_a, url="https://a.example.cn/hook", secret="s-a", created_by=a
    )
    webhook_x = WebhookSubscription.objects.create(
        institution=world.bank_x,
        url="https://x.example.cn/hook",
        secret="s-x",
        created_by=world.bank_x_user,
    )
    credit_a = credit_score(world.enterprise_a)
    credit_b = credit_score(world.enterprise_b)
    # Policy programmes on both sides of the Shanghai/Beijing line (made after the offers: none applies).
    programme_sh = ProgrammeFactory(region=world.shanghai)
    programme_bj = ProgrammeFactory(region=world.beijing)
    # Proposed before A manages enterprise A: nobody is told (A's inbox keeps its one notification).
    package_draft, package_proposed = (
        ps.create_package(
            user=world.coordinator,
            major_task_id=world.major_task.pk,
            purpose="Cover the pilot line",
            tranches=[ps.PackageTrancheInput("credit_loan", "3000000", 24, [world.bank_x.pk])],
        )
        for _ in range(2)
    )
    ps.propose_package(user=world.coordinator, package_id=package_proposed.pk)
    # Two national risk pools cover accepted_a's tranche, marked paid out; bank X claimed on the first.
    pool_a = ProgrammeFactory(kind="risk_compensation")
    pool_b = ProgrammeFactory(kind="risk_compensation")
    for pool in (pool_a, pool_b):
        ledger.commit(programme_id=pool.pk, tranche_id=ref_x2.tranche_id, amount="1800000")
    Tranche.objects.filter(pk=ref_x2.tranche_id).update(
        funded_amount=Decimal("3000000"), funded_on=timezone.localdate()
    )
    claim_a = report_default(
        tranche_id=ref_x2.tranche_id,
        user=world.bank_x_user,
        loss="1000000",
        defaulted_on=timezone.localdate(),
        programme_id=pool_a.pk,
    )
    # Applicant A manages enterprise A; applicant B asked to join it (DESIGN §1, the one rule).
    world.enterprise_a.managers.add(a)
    join_b_to_a = request_to_join(user=b, credit_code=world.enterprise_a.credit_code, message="B asks")
    # Recommendation lists (issue 18): both firms consent; the Shanghai coordinator's list holds A and is
    # published to banks X and Y, X opened A's entry and contacted it; a national draft holds B.
    for enterprise in (world.enterprise_a, world.enterprise_b):
        RecommendationConsent.objects.create(enterprise=enterprise, given=True)
    list_sh = build_list(
        user=world.coordinator, code="list-sh", title="Shanghai list", region_codes=["310000"], criteria={}
    )
    publish_list(
        list_id=list_sh.pk, user=world.coordinator, institution_ids=[world.bank_x.pk, world.bank_y.pk]
    )
    entry_sh = list_sh.entries.get()
    open_entry(entry_id=entry_sh.pk, user=world.bank_x_user)
    follow_up_x = record_follow_up(entry_id=entry_sh.pk, user=world.bank_x_user, status="contacted")
    list_nat = build_list(
        user=world.national,
        code="list-nat",
        title="National draft",
        national=True,
        enterprise_ids=[world.enterprise_b.pk],
    )
    state.ids.update(
        list_sh=list_sh.pk,
        list_nat=list_nat.pk,
        entry_sh=entry_sh.pk,
        follow_up_x=follow_up_x.pk,
        join_b_to_a=join_b_to_a.pk,
        package_draft=package_draft.pk,
        package_proposed=package_proposed.pk,
        credit_a=credit_a.pk,
        credit_b=credit_b.pk,
        programme_sh=programme_sh.pk,
        programme_bj=programme_bj.pk,
        pool_a=pool_a.pk,
        pool_b=pool_b.pk,
        claim_a=claim_a.pk,
        enterprise_a=world.enterprise_a.pk,
        enterprise_b=world.enterprise_b.pk,
        major_task=world.major_task.pk,
        institution_x=world.bank_x.pk,
        product_x=world.loan_x.pk,
        product_y=world.loan_y.pk,
        draft_a=draft_a.pk,
        triage_a=triage_a.pk,
        routed_a=routed_a.pk,
        accepted_a=accepted_a.pk,
        triage_b=triage_b.pk,
        routed_b=routed_b.pk,
        ref_x=ref_x.pk,
        ref_y=ref_y.pk,
        ref_x2=ref_x2.pk,
        ref_xb=ref_xb.pk,
        ref_yb=ref_yb.pk,
        offer_x=offer_x.pk,
        offer_y=offer_y.pk,
        offer_x2=offer_x2.pk,
        tranche_accepted_a=ref_x2.tranche_id,
        document_draft_a=draft_a.documents.order_by("pk").first().pk,
        document_routed_a=routed_a.documents.order_by("pk").first().pk,
        document_accepted_a=accepted_a.documents.order_by("pk").first().pk,
        notification_a=notification_a.pk,
        notification_x=notification_x.pk,
        webhook_a=webhook_a.pk,
        webhook_x=webhook_x.pk,
        token_a=issue_token(user=a, name="spare")[0].pk,
    )
    state.codes.update(region="310000", field=world.major_task.field.code)
    return state


def assert_error_shape(response) -> dict:
    """Every 4xx: {"error": {"code": str, "message": str, "fields": {name: [str, ...]}}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["fields"], dict), error
    for name, messages in error["fields"].items():
        assert isinstance(name, str) and isinstance(messages, list) and messages, error
        assert all(isinstance(m, str) and m for m in messages), error
    return error
