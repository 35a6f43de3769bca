"""Deadline sweep cost with 100 000 and 1 000 000 pending deadlines, 1 000 of them due, on PostgreSQL.

The sweep's cost must follow the due rows, not the table: the two runs should take about the same
time. Run: `.venv/bin/python bench/deadlines.py` (creates and drops the database `techfin_bench`).
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_DB", "techfin_bench")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["OUTBOX_NUDGE"] = "false"
os.environ["LOG_LEVEL"] = "WARNING"

from bench.support import drop_database, recreate_database  # noqa: E402


def main() -> None:
    recreate_database(DB)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from coordination import deadline_sweep
    from coordination.models import Deadline, OutboxMessage
    from coordination.services import financing_requests as rq
    from tests import factories as f

    due_count = int(os.environ.get("BENCH_DUE", "1000"))
    applicant = f.UserFactory(username="bench-applicant")
    enterprise = f.EnterpriseFactory(region=f.RegionFactory(code="310115"), members=[applicant])
    started = time.perf_counter()
    for _ in range(due_count):
        request = f.draft_request(user=applicant, enterprise=enterprise)
        rq.submit_request(request_id=request.pk, user=applicant)
    print(
        f"setup: {due_count} requests in triage through the services in {time.perf_counter() - started:.1f} s"
    )
    reminders = Deadline.objects.filter(kind="remind", state="pending")
    sweep_at = max(reminders.values_list("due_at", flat=True)) + timedelta(minutes=1)
    first_request = enterprise.financing_requests.order_by("pk").first().pk

    def fill_to(total: int) -> None:
        missing = total - Deadline.objects.filter(state="pending").count()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO coordination_deadline
                    (request_id, object_type, object_id, stage, kind, due_at, state, created_at)
                SELECT %s, 'financing_request', %s, 'triage', 'escalate', %s + (g || ' minutes')::interval,
                       'pending', now()
                FROM generate_series(1, %s) AS g
                """,
                [first_request, first_request, sweep_at + timedelta(days=365), missing],
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE coordination_deadline")

    def reset() -> None:
        reminders_ids = list(Deadline.objects.filter(kind="remind").values_list("pk", flat=True))
        Deadline.objects.filter(pk__in=reminders_ids).update(
            state="pending", fired_at=None, claimed_until=None
        )
        OutboxMessage.objects.filter(topic="deadline.remind").delete()

    def bare_query_ms() -> float:
        started = time.perf_counter()
        list(
            Deadline.objects.filter(state="pending", due_at__lte=sweep_at).values_list("pk", flat=True)[
                :due_count
            ]
        )
        return (time.perf_counter() - started) * 1000

    results = {}
    for total in (100_000, 1_000_000):
        fill_to(total)
        sweeps, bares = [], []
        for _ in range(3):
            reset()
            bares.append(bare_query_ms())
            started = time.perf_counter()
            outcome = deadline_sweep.sweep(now=sweep_at, batch=due_count)
            sweeps.append(time.perf_counter() - started)
            assert outcome["remind"] == due_count, outcome
        results[total] = (statistics.median(sweeps), statistics.median(bares))
        print(
            f"pending={total:>9,} due={due_count}: sweep median {results[total][0]:.3f} s "
            f"({results[total][0] / due_count * 1000:.2f} ms per due deadline); "
            f"bare indexed claim query {results[total][1]:.1f} ms"
        )
    small, large = results[100_000][0], results[1_000_000][0]
    print(
        f"ratio sweep(1 000 000) / sweep(100 000) = {large / small:.2f} (1.00: the cost follows the due rows)"
    )
    print(f"at: {timezone.now():%Y-%m-%d %H:%M} on {connection.vendor}")
    connection.close()


if __name__ == "__main__":
    try:
        main()
    finally:
        drop_database(DB)
