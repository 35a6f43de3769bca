"""Celery tasks: ids in, one service call each."""

from datetime import date

from celery import shared_task

from . import deadline_sweep
from .evaluation import snapshots
from .notifications import relay
from .services import digests, simulations


@shared_task(name="coordination.relay_message", ignore_result=True)
def relay_message(message_id: int) -> None:
    relay.fan_out(message_id)


HARD_LIMIT, SOFT_LIMIT = relay.delivery_time_limits()


@shared_task(
    name="coordination.deliver", ignore_result=True, time_limit=HARD_LIMIT, soft_time_limit=SOFT_LIMIT
)
def deliver(delivery_id: int) -> None:
    relay.attempt(delivery_id)


@shared_task(
    name="coordination.deliver_webhook",
    ignore_result=True,
    time_limit=HARD_LIMIT,
    soft_time_limit=SOFT_LIMIT,
)
def deliver_webhook(delivery_id: int) -> None:
    """The same attempt, routed to the `webhooks` queue (config/celery.py) and its own workers."""
    relay.attempt(delivery_id)


@shared_task(name="coordination.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict:
    return relay.sweep()


@shared_task(name="coordination.sweep_deadlines", ignore_result=True, time_limit=600, soft_time_limit=540)
def sweep_deadlines() -> dict:
    return deadline_sweep.sweep()


@shared_task(name="coordination.send_digests", ignore_result=True)
def send_digests() -> int:
    """Daily (config/celery.py's beat schedule); at most one digest per user and day however often it runs."""
    return digests.send_daily_digests()


@shared_task(
    name="coordination.refresh_evaluation_snapshots",
    ignore_result=True,
    time_limit=1800,
    soft_time_limit=1700,
)
def refresh_evaluation_snapshots() -> list[str]:
    """Hourly (config/celery.py's beat schedule): the current month's and the two before's snapshots."""
    return [month.isoformat() for month in snapshots.refresh_recent()]


@shared_task(
    name="coordination.recompute_evaluation_month", ignore_result=True, time_limit=1800, soft_time_limit=1700
)
def recompute_evaluation_month(month: str) -> int:
    """Recomputes one month's snapshots (YYYY-MM-DD, any day of it), e.g. after a correction long after."""
    return snapshots.recompute_month(date.fromisoformat(month))


@shared_task(
    name="coordination.run_policy_simulation", ignore_result=True, time_limit=1800, soft_time_limit=1700
)
def run_policy_simulation(simulation_id: int) -> None:
    """A coordinator's policy simulation (DESIGN §10): replayed with its progress moving, then stored."""
    simulations.run_simulation(simulation_id)
