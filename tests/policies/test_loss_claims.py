"""Loss claims (issue 14 point 5, DESIGN §10): the funding institution reports a default on a risk-compensated
tranche; the claim is computed within the caps, approved by a coordinator (maker-checker when escalated) or
rejected, and paid; every step a transition of the engine, audited, with the ledger moving in its effects."""

import contextlib
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordination import selectors
from coordination.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from coordination.models import LossClaim, ProgrammeLedgerEntry, TransitionEvent
from coordination.services import approvals
from coordination.services import loss_claims as lc
from coordination.workflow import engine, ledger
from tests import factories as f
from tests.factories_policy import ProgrammeFactory
from tests.policies.test_ledger import accepted

MILLION = Decimal("1000000")


def funded(world, enterprise=None):
    """Bank X's 3 000 000-yuan first loan to enterprise A, funded today, with each pool's 60% committed."""
    request = accepted(world, enterprise or world.enterprise_a)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    return request.tranches.get()


def report(world, tranche, loss="2000000", **kwargs):
    kwargs.setdefault("defaulted_on", timezone.localdate())
    return lc.report_default(tranche_id=tranche.pk, user=world.bank_x_user, loss=loss, **kwargs)


def events_of(claim) -> list[tuple[str, str, str]]:
    return list(
        TransitionEvent.objects.filter(object_type="loss_claim", object_id=claim.pk)
        .order_by("id")
        .values_list("action", "from_status", "to_status")
    )


@pytest.mark.django_db
def test_a_default_is_reported_approved_and_paid_through_the_engine_and_the_ledger_balances(world):
    """Given a funded first loan with a risk pool's 1 800 000 committed, when bank X reports a 2 000 000
    loss, the coordinator approves and then pays the claim, then the claim is 60% of the loss, each step is
    one audited transition, the ledger records a claim and a payment, and budget = available + committed +
    paid."""
    pool = ProgrammeFactory(kind="risk_compensation", budget=10 * MILLION)
    tranche = funded(world)
    claim = report(world, tranche, note="borrower insolvent")
    assert (claim.status, claim.amount, claim.escalated) == ("reported", Decimal("1200000.00"), False)
    assert claim.institution == world.bank_x and claim.programme == pool
    assert engine.available_actions(claim, world.coordinator) == ["approve", "reject"]
    assert engine.available_actions(claim, world.bank_x_user) == []

    lc.approve_claim(claim_id=claim.pk, user=world.coordinator)
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert engine.available_actions(claim, world.coordinator) == ["pay"]
    lc.pay_claim(claim_id=claim.pk, user=world.coordinator)
    claim.refresh_from_db()

    assert claim.status == "paid"
    assert events_of(claim) == [
        ("report_default", "", "reported"),
        ("approve", "reported", "approved"),
        ("pay", "approved", "paid"),
    ]
    moves = list(
        ProgrammeLedgerEntry.objects.filter(programme=pool).order_by("id").values_list("movement", "amount")
    )
    assert moves == [
        ("commit", Decimal("1800000.00")),
        ("claim", Decimal("1200000.00")),
        ("pay", Decimal("1200000.00")),
    ]
    balance = selectors.programme_balance(pool.pk)
    assert (balance.committed, balance.paid) == (Decimal("600000.00"), Decimal("1200000.00"))
    assert balance.available + balance.committed + balance.paid == balance.budget


@pytest.mark.django_db
def test_a_rejected_claim_needs_a_reason_moves_no_money_and_may_be_reported_again(world):
    pool = ProgrammeFactory(kind="risk_compensation")
    tranche = funded(world)
    claim = report(world, tranche)
    with pytest.raises(ValidationFailed) as refused:
        lc.reject_claim(claim_id=claim.pk, user=world.coordinator, reason=" ")
    assert "reason" in refused.value.fields
    lc.reject_claim(claim_id=claim.pk, user=world.coordinator, reason="the loan was restructured")
    claim.refresh_from_db()
    assert claim.status == "rejected" and engine.available_actions(claim, world.coordinator) == []
    assert not ProgrammeLedgerEntry.objects.filter(programme=pool).exclude(movement="commit").exists()
    assert report(world, tranche).status == "reported"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("loss", "defaulted", "field"),
    [
        ("3000000.01", 0, "loss"),  # more than the principal outstanding
        ("0", 0, "loss"),
        ("a lot", 0, "loss"),
        ("1000000", 1, "defaulted_on"),  # tomorrow
        ("1000000", -1, "defaulted_on"),  # before the funding (today)
    ],
)
def test_bad_reports_are_refused_naming_the_field_and_write_nothing(world, loss, defaulted, field):
    ProgrammeFactory(kind="risk_compensation")
    tranche = funded(world)
    with pytest.raises(ValidationFailed) as refused:
        report(world, tranche, loss=loss, defaulted_on=timezone.localdate() + timedelta(days=defaulted))
    assert field in refused.value.fields
    assert not LossClaim.objects.exists()
    assert not TransitionEvent.objects.filter(object_type="loss_claim").exists()


@pytest.mark.django_db
def test_a_default_after_the_pools_cover_period_is_refused(world):
    """Given a pool covering one year, when the default is reported a year and a day after the funding, then
    it is refused naming the date; on the last day of the cover it is claimed."""
    ProgrammeFactory(kind="risk_compensation", given_parameters={"cover_years": 1})
    tranche = funded(world)
    funded_on = date(2025, 3, 1)
    type(tranche).objects.filter(pk=tranche.pk).update(funded_on=funded_on)
    with pytest.raises(ValidationFailed) as refused:
        report(world, tranche, defaulted_on=date(2026, 3, 2))
    assert "defaulted_on" in refused.value.fields
    assert report(world, tranche, defaulted_on=date(2026, 3, 1)).status == "reported"


@pytest.mark.django_db
def test_who_may_report_a_default(world):
    """Only a member of the funding institution: a coordinator is refused (403), anyone else sees nothing
    (404); a tranche no pool covers is out of reach too; a second live claim on the pool is a conflict."""
    ProgrammeFactory(kind="risk_compensation")
    tranche = funded(world)
    today = timezone.localdate()
    for user, error in (
        (world.coordinator, PermissionDenied),
        (world.national, PermissionDenied),
        (world.applicant_a, NotFound),
        (world.bank_y_user, NotFound),
    ):
        with pytest.raises(error):
            lc.report_default(tranche_id=tranche.pk, user=user, loss="1000", defaulted_on=today)
    with pytest.raises(NotFound):
        lc.report_default(tranche_id="x", user=world.bank_x_user, loss="1", defaulted_on=today)
    report(world, tranche)
    with pytest.raises(Conflict):
        report(world, tranche)


@pytest.mark.django_db
def test_a_tranche_without_risk_compensation_takes_no_claim(world):
    ProgrammeFactory(kind="interest_subsidy")
    tranche = funded(world)
    with pytest.raises(NotFound):
        report(world, tranche)


@pytest.mark.django_db
def test_with_two_pools_the_report_names_one_and_all_public_compensation_stays_within_80_percent(world):
    """Given two pools on one first loan (each 60% of a loss), when a 2 000 000 loss is claimed on both, then
    the first claims 1 200 000 and the second only what brings public money to 80% of the loss, 400 000;
    without naming a pool the report is refused naming `programme`."""
    first = ProgrammeFactory(kind="risk_compensation")
    second = ProgrammeFactory(kind="risk_compensation")
    tranche = funded(world)
    with pytest.raises(ValidationFailed) as refused:
        report(world, tranche)
    assert "programme" in refused.value.fields
    one = report(world, tranche, programme_id=first.pk)
    two = report(world, tranche, programme_id=second.pk)
    assert (one.amount, two.amount) == (Decimal("1200000.00"), Decimal("400000.00"))
    lc.approve_claim(claim_id=two.pk, user=world.coordinator)
    lc.approve_claim(claim_id=one.pk, user=world.coordinator)
    claimed = ProgrammeLedgerEntry.objects.filter(movement="claim").values_list("amount", flat=True)
    assert sum(claimed) == Decimal("1600000.00") == Decimal("0.8") * 2 * MILLION


@pytest.mark.django_db
def test_the_per_loan_cap_bounds_the_claim_at_its_edge(world):
    ProgrammeFactory(kind="risk_compensation", given_parameters={"cap_per_loan": "1000000"})
    tranche = funded(world)
    assert report(world, tranche, loss="1666666.67").amount == Decimal("1000000.00")


@pytest.mark.django_db
def test_a_claim_at_the_national_threshold_takes_two_national_coordinators(world):
    """Given a claim of 1 200 000 with the threshold at 1 000 000, then the regional coordinator may not act,
    a national one proposes (no money moves), the same one may not confirm, and a second confirms: the
    ledger's claim is written then."""
    ProgrammeFactory(kind="risk_compensation")
    tranche = funded(world)
    with override_settings(NATIONAL_THRESHOLD_YUAN=1_200_000):
        claim = report(world, tranche)
    assert claim.escalated and not tranche.request.escalated
    with pytest.raises(PermissionDenied):
        lc.approve_claim(claim_id=claim.pk, user=world.coordinator)
    assert engine.available_actions(claim, world.national) == ["propose_approval", "reject"]
    lc.approve_claim(claim_id=claim.pk, user=world.national)
    claim.refresh_from_db()
    assert (claim.status, claim.approval_proposed_by) == ("reported", world.national)
    assert not ProgrammeLedgerEntry.objects.filter(movement="claim").exists()
    with pytest.raises(PermissionDenied):
        lc.approve_claim(claim_id=claim.pk, user=world.national)
    lc.approve_claim(claim_id=claim.pk, user=world.national_2)
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert [a for a, _, _ in events_of(claim)] == ["report_default", "propose_approval", "confirm_approval"]
    assert ProgrammeLedgerEntry.objects.get(movement="claim").amount == claim.amount


@pytest.mark.django_db
def test_who_sees_a_claim(world):
    """Its institution and the coordinators in scope (national: all) see it; the SME, another bank and a
    coordinator of another region do not, and the SME's timeline of the request leaves the claim out."""
    ProgrammeFactory(kind="risk_compensation")
    tranche = funded(world)
    claim = report(world, tranche)
    beijing = f.coordinator("coord-bj", regions=[world.beijing])
    seen = {
        name: selectors.claims_visible_to(user).filter(pk=claim.pk).exists()
        for name, user in {
            "bank X": world.bank_x_user,
            "coordinator": world.coordinator,
            "national": world.national,
            "applicant A": world.applicant_a,
            "bank Y": world.bank_y_user,
            "beijing": beijing,
        }.items()
    }
    assert seen == {
        "bank X": True,
        "coordinator": True,
        "national": True,
        "applicant A": False,
        "bank Y": False,
        "beijing": False,
    }
    for user in (world.applicant_a, world.bank_y_user, beijing):
        with pytest.raises(NotFound):
            lc.approve_claim(claim_id=claim.pk, user=user)
    timeline = selectors.events_visible_to(world.applicant_a, tranche.request)
    assert timeline and all(e.object_type != "loss_claim" for e in timeline)
    assert all(e.object_type != "loss_claim" for e in selectors.applicant_events(tranche.request))


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_paying_at_once_pay_once(committed_world):
    """Given an approved claim, when two coordinators pay it at once, then one payment is made and the other
    gets a conflict: the pool is never paid twice."""
    world = committed_world
    pool = ProgrammeFactory(kind="risk_compensation")
    claim = report(world, funded(world))
    lc.approve_claim(claim_id=claim.pk, user=world.coordinator)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def pay(user):
        try:
            start.wait(timeout=30)
            lc.pay_claim(claim_id=claim.pk, user=user)
            outcomes.append("paid")
        except Conflict:
            outcomes.append("conflict")
        except BaseException as error:  # reported below: a thread's exception would otherwise vanish
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(u,)) for u in (world.coordinator, world.national)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "paid"]
    assert ProgrammeLedgerEntry.objects.filter(programme=pool, movement="pay").count() == 1
    balance = selectors.programme_balance(pool.pk)
    assert balance.available + balance.committed + balance.paid == balance.budget


# --- the console (DESIGN §10: coordinators act on claims through the engine's available actions) -------


def _console(user):
    from django.test import Client

    from coordination.permissions import sync_coordinator_group

    sync_coordinator_group().user_set.add(user)
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _admin_url(claim, view="change", *args):
    from django.urls import reverse

    return reverse(f"admin:coordination_lossclaim_{view}", args=[claim.pk, *args])


@pytest.mark.django_db
def test_the_coordinator_approves_then_pays_a_claim_in_the_console(world):
    """Given a reported claim, when the Shanghai coordinator opens it in the console, then it offers the
    engine's actions (approve, reject); approving and then paying through their pages moves the claim."""
    ProgrammeFactory(kind="risk_compensation")
    claim = report(world, funded(world))
    client = _console(world.coordinator)
    page = client.get(_admin_url(claim))
    assert page.status_code == 200
    tools = [tool["url"] for tool in page.context["coordination_tools"]]
    assert tools == [
        _admin_url(claim, "object_action", "approve"),
        _admin_url(claim, "object_action", "reject"),
    ]
    assert client.get(tools[0]).status_code == 200
    assert client.post(tools[0], {"reason": ""}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "approved"
    client.post(_admin_url(claim, "object_action", "pay"), {"reason": ""})
    claim.refresh_from_db()
    assert claim.status == "paid"


@pytest.mark.django_db
def test_a_reject_in_the_console_needs_a_reason_and_a_refused_action_changes_nothing(world):
    ProgrammeFactory(kind="risk_compensation")
    claim = report(world, funded(world))
    client = _console(world.coordinator)
    assert client.post(_admin_url(claim, "object_action", "reject"), {"reason": ""}).status_code == 200
    assert client.post(_admin_url(claim, "object_action", "pay"), {"reason": ""}).status_code == 200
    claim.refresh_from_db()
    assert claim.status == "reported"


@pytest.mark.django_db
def test_a_coordinator_of_another_region_does_not_find_the_claim_in_the_console(world):
    ProgrammeFactory(kind="risk_compensation")
    claim = report(world, funded(world))
    client = _console(f.coordinator("coord-bj", regions=[world.beijing]))
    assert client.get(_admin_url(claim)).status_code == 404
    assert client.post(_admin_url(claim, "object_action", "approve"), {"reason": ""}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == "reported"


# --- the ledger's random walk with defaults and claims through the workflow (issue 14 point 6) ----------


class _Rollback(Exception):
    pass


CLAIM_MOVES = st.one_of(
    st.tuples(
        st.just("report"),
        st.integers(0, 1),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3200000"), places=2),
    ),
    st.tuples(st.sampled_from(["approve", "reject", "pay"]), st.integers(0, 1), st.just(None)),
    st.tuples(
        st.just("release"),
        st.integers(0, 1),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000000"), places=2),
    ),
)


@pytest.mark.django_db
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(CLAIM_MOVES, min_size=1, max_size=10))
def test_random_walks_of_defaults_and_claims_keep_the_ledger_balanced_and_within_the_caps(world, moves):
    """Given a risk pool whose budget covers two funded loans of two enterprises, when any sequence of
    reported defaults, approvals, rejections, payments and releases is tried (each happens or is refused),
    then after every step budget = available + committed + paid, none negative, no tranche's claims beyond
    its commitment, one live claim per loan, each within the pool's 60% of its loss."""
    try:
        with transaction.atomic():
            pool = ProgrammeFactory(kind="risk_compensation", budget=Decimal("4000000"))
            second = f.EnterpriseFactory(region=world.pudong, members=[world.applicant_a])
            tranches = [funded(world), funded(world, second)]
            for name, which, amount in moves:
                tranche = tranches[which]
                live = LossClaim.objects.filter(tranche=tranche).exclude(status="rejected").first()
                with contextlib.suppress(DomainError):  # refused: the invariants must hold all the same
                    if name == "report":
                        report(world, tranche, loss=amount)
                    elif name == "release":
                        ledger.release(programme_id=pool.pk, tranche_id=tranche.pk, amount=amount)
                    elif live is not None:
                        step = {"approve": lc.approve_claim, "pay": lc.pay_claim}.get(name)
                        if step is not None:
                            step(claim_id=live.pk, user=world.coordinator)
                        else:
                            lc.reject_claim(claim_id=live.pk, user=world.coordinator, reason="walk")
                balance = selectors.programme_balance(pool.pk)
                assert balance.available + balance.committed + balance.paid == balance.budget
                assert min(balance.available, balance.committed, balance.paid) >= 0
                for each in tranches:
                    committed, unpaid = selectors.tranche_commitment(pool.pk, each.pk)
                    assert committed >= 0 and 0 <= unpaid <= committed
                    claims = list(LossClaim.objects.filter(tranche=each).exclude(status="rejected"))
                    assert len(claims) <= 1  # one live claim per loan and pool
                    for claim in claims:
                        assert claim.amount <= Decimal("0.6") * claim.loss + Decimal("0.01")
            raise _Rollback
    except _Rollback:
        pass
