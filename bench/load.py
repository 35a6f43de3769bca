"""A realistic mixed load (issue 16 point 3): applicants, reviewers, coordinators and integrations at once,
through gunicorn, PostgreSQL, Redis and a Celery worker, with locust (headless, loopback); each operation's
p50/p95/p99 and throughput next to the bare endpoint's in the same run, and its queries.

Creates the PostgreSQL database `techfin_bench_load`, migrates, loads `seed_demo` (scale 1) and computes
the innovation credits, then through the factories and the services:

* BENCH_APPLICANTS (20) applicants, each a member of a Shanghai demo enterprise with two submitted
  requests of its own to read;
* BENCH_ROUTED (40) requests submitted with their documents and routed by `demo-coordinator` to the
  matcher's proposal: the referrals the reviewers list, read and open; the reviewers are a member of each
  of the five institutions with the most referrals (one made where the demo has none);
* BENCH_TRIAGE (100) requests in triage that the matcher can route: the pool the coordinators route;
* API tokens for each, and integration tokens for a Shanghai platform (as `demo-coordinator`) and for the
  five institutions.

Then it starts a Celery worker (solo pool, queues `celery` and `webhooks`, the outbox nudged on every
commit as in production), waits until it has relayed the outbox rows the setup left, and starts gunicorn
(`-w 2`, sync, DEBUG off, DB_CONN_MAX_AGE=60, Redis cache) with `bench.settings` (the project's local
settings plus a middleware that puts the request's query count in `X-Bench-Queries`) and
ROOT_URLCONF=bench.bench_urls (adds the bare endpoint), on free loopback ports, and
runs bench/locustfile.py with BENCH_USERS (20) users spawned at BENCH_SPAWN_RATE (5/s) for
BENCH_DURATION (60s) after an unreported warm-up of the same mix for BENCH_WARMUP (20s; "0s" for none),
every think time and polling interval multiplied by BENCH_THINK (1). It prints, per
operation: requests, failures, requests/s, p50/p95/p99 in ms, p95 as a multiple of the bare endpoint's,
and the median (max) queries per request; then the outbox rows pending when the load started and when it
stopped (whether the worker keeps up). Redis: BENCH_REDIS_URL (redis://127.0.0.1:6379; databases 1 and 2
are used).

Run: `.venv/bin/python bench/load.py` (drops its database at the end; `--keep` keeps it).
"""

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_LOAD_DB", "techfin_bench_load")
USERS = int(os.environ.get("BENCH_USERS", "20"))
SPAWN_RATE = float(os.environ.get("BENCH_SPAWN_RATE", "5"))
DURATION = os.environ.get("BENCH_DURATION", "60s")
WARMUP = os.environ.get("BENCH_WARMUP", "20s")  # "" or "0s": none
WARMUP = "" if WARMUP in ("", "0", "0s") else WARMUP
APPLICANTS = int(os.environ.get("BENCH_APPLICANTS", "20"))
ROUTED = int(os.environ.get("BENCH_ROUTED", "40"))
TRIAGE = int(os.environ.get("BENCH_TRIAGE", "100"))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
WORKERS = 2
VAR_DIR = tempfile.mkdtemp(prefix="techfin-bench-load-")
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ROOT_URLCONF": "bench.bench_urls",
        "DEBUG": "false",
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "TECHFIN_VAR_DIR": VAR_DIR,
        "CACHE_URL": f"{REDIS}/1",
        "CELERY_BROKER_URL": f"{REDIS}/2",
        "LOG_LEVEL": "ERROR",
        # Per-user write throttle (300/min by default) off: one bench applicant stands for many people.
        "THROTTLE_WRITE": "100000000/min",
    }
)

import psycopg  # noqa: E402

from bench.support import drop_database, free_port, recreate_database, start_server, stop  # noqa: E402

SHAPES = [(("credit_loan", "3000000"),), (("credit_loan", "2000000"), ("rd_insurance", "1000000"))]


def create_actors() -> dict:
    """The demo, then the bench's people, requests and tokens through the factories and the services."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from coordination.errors import DomainError
    from coordination.matching.proposal import propose
    from coordination.models import FinancingRequest, Referral
    from coordination.services import financing_requests as rq
    from coordination.services import routing
    from coordination.services.tokens import issue_token
    from lenders.models import Institution
    from projects.models import Enterprise
    from tests import factories as f

    (Path(VAR_DIR) / "static").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", force=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("compute_innovation_credits", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    coordinator = get_user_model().objects.get(username="demo-coordinator")
    shanghai = list(
        Enterprise.objects.filter(region__code__startswith="31").order_by("pk")[: max(APPLICANTS, 10)]
    )
    applicants = []
    for index in range(APPLICANTS):
        user = f.UserFactory(username=f"bench-load-applicant-{index}")
        enterprise = shanghai[index % len(shanghai)]
        enterprise.members.add(user)
        applicants.append((user, enterprise))

    def submitted(index: int, *, documents: bool = True) -> FinancingRequest:
        user, enterprise = applicants[index % len(applicants)]
        request = f.draft_request(
            user=user, enterprise=enterprise, tranches=SHAPES[index % 2], documents=documents
        )
        return rq.submit_request(request_id=request.pk, user=user)

    own: dict[int, list[int]] = {user.pk: [] for user, _ in applicants}
    for index in range(2 * APPLICANTS):
        request = submitted(index, documents=False)
        own[request.created_by_id].append(request.pk)
    routed = 0
    for index in range(ROUTED):
        try:
            routing.route_request(request_id=submitted(index).pk, user=coordinator)
            routed += 1
        except DomainError:
            pass  # no candidate for a tranche: stays in triage, outside the pool
    pool: list[int] = []
    index = 0
    while len(pool) < TRIAGE and index < 3 * TRIAGE:
        request = submitted(index)
        index += 1
        if request.status == "triage" and all(propose(request).values()):
            pool.append(request.pk)
    busiest = (
        Institution.objects.filter(referrals__isnull=False)
        .annotate(n=Count("referrals"))
        .order_by("-n", "pk")[:5]
    )
    reviewers = []
    for institution in busiest:
        member = institution.members.order_by("pk").first()
        if member is None:
            member = f.UserFactory(username=f"bench-load-reviewer-{institution.pk}")
            institution.members.add(member)
        reviewers.append(member)
    actors = {
        "applicant": [
            {
                "token": issue_token(user=user, name="bench")[1],
                "enterprise": enterprise.pk,
                "requests": own[user.pk],
            }
            for user, enterprise in applicants
        ],
        "reviewer": [{"token": issue_token(user=user, name="bench")[1]} for user in reviewers],
        "coordinator": [{"token": issue_token(user=coordinator, name="bench")[1]}],
        "platform": [
            {
                "token": issue_token(user=coordinator, name="bench-platform", integration=True)[1],
                "region": "310000",
            }
        ],
        "institution_system": [
            {"token": issue_token(user=user, name="bench-system", integration=True)[1]} for user in reviewers
        ],
        "bare": issue_token(user=coordinator, name="bench-bare")[1],
        "triage": pool,
    }
    print(
        f"setup: demo (scale 1), {APPLICANTS} applicants with {2 * APPLICANTS} requests, {routed} "
        f"requests routed ({Referral.objects.count()} referrals with the demo's; reviewers of "
        f"{len(reviewers)} institutions), {len(pool)} routable requests in triage, in "
        f"{time.perf_counter() - started:.1f} s"
    )
    connection.close()
    return actors


def start_worker(log: Path) -> subprocess.Popen:
    celery = Path(sys.executable).parent / "celery"
    command = [str(celery), "-A", "config", "worker", "-Q", "celery,webhooks", "--pool=solo"]
    command += ["--loglevel=INFO", "-n", "bench-load@%h"]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=os.environ.copy(), stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if " ready." in log.read_text(errors="replace"):
            return worker
        if worker.poll() is not None:
            break
        time.sleep(0.5)
    stop(worker)
    raise RuntimeError(f"the Celery worker did not start:\n{log.read_text(errors='replace')[-2000:]}")


def run_locust(base: str, actors_file: Path, queries_file: Path, prefix: Path, duration: str) -> None:
    locust = Path(sys.executable).parent / "locust"
    command = [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", base]
    command += ["-u", str(USERS), "-r", f"{SPAWN_RATE:g}", "-t", duration, "--csv", str(prefix)]
    command += ["--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    env = {**os.environ, "BENCH_LOAD_ACTORS": str(actors_file), "BENCH_LOAD_QUERIES": str(queries_file)}
    log = Path(VAR_DIR) / "locust.log"
    with log.open("w") as output:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    if done.returncode:
        raise RuntimeError(f"locust failed:\n{log.read_text(errors='replace')[-3000:]}")


def pending_outbox() -> int:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}") as conn:
        row = conn.execute(
            "SELECT count(*) FROM coordination_outboxmessage WHERE state = 'pending'"
        ).fetchone()
    return row[0] if row else 0


def drain_outbox(limit: float = 300) -> None:
    """Let the worker relay what the setup left in the outbox (the demo's history notifies too), so the
    load meets a worker in its steady state rather than one working through a backlog."""
    started = time.monotonic()
    backlog = pending_outbox()
    while (pending := pending_outbox()) and time.monotonic() - started < limit:
        time.sleep(2)
    print(
        f"worker: relayed the setup's outbox ({backlog} rows) in {time.monotonic() - started:.0f} s; "
        f"{pending} still pending"
    )


def report(prefix: Path, queries_file: Path) -> None:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]
    queries = json.loads(queries_file.read_text()) if queries_file.exists() else {}
    bare = next(row for row in rows if row["Name"] == "bare")
    bare_p95 = float(bare["95%"])
    print(
        f"locust: {USERS} users (+1 on the bare endpoint), spawn {SPAWN_RATE:g}/s, {DURATION}, think time "
        f"×{os.environ.get('BENCH_THINK', '1')}; "
        "gunicorn -w 2 (sync), PostgreSQL, Redis, one Celery worker; times in ms"
    )
    print(
        f"{'operation':<38}{'requests':>9}{'fail':>6}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}"
        f"{'p95/bare':>10}{'queries':>12}"
    )
    order = sorted(rows, key=lambda row: (row["Name"] != "bare", row["Name"]))
    for row in order:
        counts = queries.get(row["Name"], [])
        spent = f"{statistics.median(counts):g} ({max(counts)})" if counts else "—"
        print(
            f"{row['Name']:<38}{row['Request Count']:>9}{row['Failure Count']:>6}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
            f"{float(row['95%']) / bare_p95:>9.1f}×{spent:>12}"
        )
    total = sum(int(row["Request Count"]) for row in rows)
    failures = sum(int(row["Failure Count"]) for row in rows)
    slowest = max(rows, key=lambda row: float(row["95%"]))
    print(f"total {total} requests, {failures} failures; bare p95 {bare_p95:g} ms (aim: under 50 ms)")
    print(f"slowest p95: {slowest['Name']} {slowest['95%']} ms (aim: every operation under 250 ms)")
    failures_file = Path(f"{prefix}_failures.csv")
    if failures:
        print(failures_file.read_text())


def main() -> None:
    recreate_database(DB)
    actors = create_actors()
    work = Path(VAR_DIR)
    actors_file, queries_file, prefix = work / "actors.json", work / "queries.json", work / "locust"
    # The warm-up routes from its own share of the triage pool: a request is routed once.
    warmup_share = len(actors["triage"]) // 5 if WARMUP else 0
    actors_file.write_text(json.dumps({**actors, "triage": actors["triage"][warmup_share:]}))
    warmup_actors = work / "warmup-actors.json"
    warmup_actors.write_text(json.dumps({**actors, "triage": actors["triage"][:warmup_share]}))
    worker = start_worker(work / "worker.log")
    try:
        drain_outbox()
        port = free_port()
        server = start_server(port, WORKERS, os.environ.copy())
        try:
            if WARMUP:
                # The same mix, not reported: each gunicorn worker's first calls of an operation fill its
                # lazy caches (URL resolvers, serializer fields, translations), which is not the steady
                # state the figures describe.
                run_locust(
                    f"http://127.0.0.1:{port}", warmup_actors, work / "warmup.json", work / "warmup", WARMUP
                )
            before = pending_outbox()
            run_locust(f"http://127.0.0.1:{port}", actors_file, queries_file, prefix, DURATION)
        finally:
            stop(server)
        report(prefix, queries_file)
        print(f"outbox rows pending: {before} when the load started, {pending_outbox()} when it stopped")
    finally:
        stop(worker)


if __name__ == "__main__":
    try:
        main()
    finally:
        if "--keep" not in sys.argv:
            drop_database(DB)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
