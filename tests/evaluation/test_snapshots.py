"""Monthly snapshots per region: the live figures, idempotent, recomputable for a month, kept by beat."""

from datetime import date
from decimal import Decimal

from coordination.evaluation.indicators import evaluate
from coordination.evaluation.scope import Filters, Period, Scope, ScopeKind
from coordination.evaluation.snapshots import months_back, recompute_month, refresh_recent
from coordination.evaluation.tables import all_tables
from coordination.models import EvaluationMonth, EvaluationSnapshot, Tranche

Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))
NATIONAL = Scope(ScopeKind.NATIONAL)
Q1_MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def snapshot_all(months=Q1_MONTHS):
    for month in months:
        recompute_month(month)


def test_snapshots_give_the_live_figures_and_tables(history):
    """Given the history, when its months are snapshotted, then the national quarter reads the snapshots and
    every indicator and every table is what the live reads give."""
    live = evaluate(NATIONAL, Q1)
    snapshot_all()
    stored = evaluate(NATIONAL, Q1)
    assert not live.from_snapshots and stored.from_snapshots
    assert [(v.code, v.value, v.previous, v.p90) for v in stored.values] == [
        (v.code, v.value, v.previous, v.p90) for v in live.values
    ]
    assert [t.rows for t in all_tables(stored)] == [t.rows for t in all_tables(live)]


def test_large_scopes_read_snapshots_small_ones_and_filtered_ones_read_live(history):
    """Given snapshots, when a province, a district or a filtered view is evaluated, then only the province
    reads the snapshots; each gives the live figure."""
    snapshot_all()
    shanghai = evaluate(Scope(ScopeKind.REGION, region=history.shanghai), Q1)
    pudong = evaluate(Scope(ScopeKind.REGION, region=history.pudong), Q1)
    equity = evaluate(NATIONAL, Q1, Filters(instrument="equity"))
    assert (shanghai.from_snapshots, pudong.from_snapshots, equity.from_snapshots) == (True, False, False)
    assert shanghai.values[1].value == pudong.values[1].value == Decimal("5000000")


def test_a_month_not_computed_falls_back_to_live(history):
    """Given snapshots for January and February only, when the quarter is evaluated, then it is read live."""
    snapshot_all(Q1_MONTHS[:2])
    assert not evaluate(NATIONAL, Q1).from_snapshots


def test_recomputing_is_idempotent_and_follows_corrections(history):
    """Given February snapshotted, when it is recomputed twice, then the rows are the same; when a funding is
    corrected and February recomputed, then the snapshot follows."""
    recompute_month(date(2026, 2, 14))
    first = list(EvaluationSnapshot.objects.values_list("region_id", "month", "figures"))
    recompute_month(date(2026, 2, 1))
    assert list(EvaluationSnapshot.objects.values_list("region_id", "month", "figures")) == first
    assert EvaluationMonth.objects.filter(month=date(2026, 2, 1)).count() == 1
    Tranche.objects.filter(funded_on=date(2026, 2, 10)).update(funded_amount=Decimal("2500000"))
    recompute_month(date(2026, 2, 1))
    snapshot = EvaluationSnapshot.objects.get(month=date(2026, 2, 1), region=history.pudong)
    assert snapshot.figures["funded_amount"] == "2500000.00"


def test_refresh_recomputes_the_current_month_and_the_two_before(history):
    """Given 15 February 2026, when beat's refresh runs, then December, January and February are computed."""
    assert refresh_recent(date(2026, 2, 15)) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert set(EvaluationMonth.objects.values_list("month", flat=True)) == set(
        months_back(date(2026, 2, 1), 3)
    )


def test_beat_keeps_the_snapshots():
    """Given the Celery app, then beat runs the refresh task, which is registered under that name."""
    from config.celery import app
    from coordination import tasks

    entries = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "coordination.refresh_evaluation_snapshots" in entries
    assert tasks.refresh_evaluation_snapshots.name == "coordination.refresh_evaluation_snapshots"
    assert tasks.recompute_evaluation_month.name == "coordination.recompute_evaluation_month"


def test_the_command_recomputes_a_month_or_the_recent_ones(history):
    """Given the history, when an operator recomputes February 2026, then that month is computed; a wrong
    month is refused with the reason."""
    import io

    import pytest
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("evaluation_snapshots", month="2026-02", stdout=out)
    assert out.getvalue() == "2026-02: 1 regions\n"
    assert list(EvaluationMonth.objects.values_list("month", flat=True)) == [date(2026, 2, 1)]
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("evaluation_snapshots", month="2026-13")
