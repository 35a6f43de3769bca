"""Policy support by programme in the evaluation (DESIGN §11): each programme's ledger movements in the
period on the scope's deals, as the page, the exports and the report show them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coordination.evaluation.indicators import evaluate
from coordination.evaluation.scope import Period, Scope, ScopeKind
from coordination.evaluation.tables import policy_support_table
from coordination.services import approvals
from tests.factories_policy import ProgrammeFactory
from tests.policies.test_ledger import SUBSIDY, accepted

pytestmark = pytest.mark.django_db


def this_month() -> Period:
    today = timezone.localdate()
    return Period(today.replace(day=1), today + timedelta(days=1))


def test_each_programme_commits_on_the_scopes_deals_only(world):
    """Given a national interest subsidy and two funded 3 000 000-yuan loans, one in Shanghai and one in
    Beijing, when Shanghai's evaluation is read, then the table counts Shanghai's deal and its commitment
    only; nationally, both."""
    subsidy = ProgrammeFactory()
    for enterprise, applicant in (
        (world.enterprise_a, world.applicant_a),
        (world.enterprise_b, world.applicant_b),
    ):
        request = accepted(world, enterprise, applicant)
        approvals.record_funding(request_id=request.pk, user=world.bank_x_user)

    shanghai = policy_support_table(evaluate(Scope(ScopeKind.REGION, region=world.shanghai), this_month()))
    national = policy_support_table(evaluate(Scope(ScopeKind.NATIONAL), this_month()))

    assert shanghai.rows == [[str(subsidy), "Interest subsidy", 1, SUBSIDY, Decimal("0"), 0]]
    assert national.rows == [[str(subsidy), "Interest subsidy", 2, 2 * SUBSIDY, Decimal("0"), 0]]


def test_a_period_before_the_movements_shows_no_programme(world):
    """Given a commitment made today, when last year is evaluated, then the table is empty."""
    ProgrammeFactory()
    request = accepted(world, world.enterprise_a)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    last_year = timezone.localdate().year - 1
    period = Period(
        timezone.localdate().replace(year=last_year, month=1, day=1),
        timezone.localdate().replace(year=last_year, month=12, day=31),
    )
    assert policy_support_table(evaluate(Scope(ScopeKind.NATIONAL), period)).rows == []
