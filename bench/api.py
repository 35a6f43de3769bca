"""API throughput: the financing-request list (a page of 50) and create + submit, against a bare DRF
endpoint served by the same gunicorn in the same run.

Creates the PostgreSQL database `techfin_bench_api`, migrates, and through the factories and the services
creates BENCH_REQUESTS (300) submitted requests in Shanghai, all visible to one regional coordinator,
plus a third as many in Beijing that the coordinator does not see. Then starts gunicorn (`-w 2`, sync
workers, config.settings.local with DEBUG off, DB_CONN_MAX_AGE=60) on a free loopback port with
ROOT_URLCONF=bench.bench_urls, which adds GET /bench/bare/: a DRF APIView with the API's default
authentication, permission and throttle classes that returns three small dicts.

* bare and list: `wrk -t2 -c8 -d10s` (apt-get install wrk) with the coordinator's token, or the Python
  load generator below when wrk is not installed;
* create + submit: a Python client (threads, one requests.Session each) as the enterprise's member:
  POST /financing-requests/ then POST /financing-requests/{id}/submit/, counted as two requests; the
  bare endpoint is measured again with the same client so that ratio compares like with like, in
  BENCH_ROUNDS (5) alternating rounds of BENCH_SECONDS / 2 each (bare, then create + submit): the ratio
  printed is the median of the rounds' ratios, so that a machine whose speed drifts during the run (a
  shared virtual machine's does, by ±15% here) weighs on both sides of each ratio alike.

The server runs as in production (DESIGN §12), with the shared Redis cache (BENCH_CACHE_URL, a Redis
database of its own, flushed first), so the lists are cached under the data generation
(config/api/list_cache.py). The list is measured twice:

* repeated poll: the same address again and again, as an integration polls — answered from the cache
  after the first call; this is the ratio the aim is about;
* every poll new: wrk gives each call an address of its own (`?poll=<thread>-<n>`, which the filters
  ignore), so every call misses, reads the data and stores its page — the cost of a list after a write.

Prints requests/s and the ratios list/bare (both ways) and create_submit/bare. The aim: the list at one
third of the bare endpoint or better. The client shares the machine's cores with the server and
PostgreSQL.

Run: `.venv/bin/python bench/api.py` (drops its database at the end). Environment: BENCH_SECONDS (10),
BENCH_CONNECTIONS (8), BENCH_THREADS (4), BENCH_ROUNDS (5), BENCH_REQUESTS (300), BENCH_API_DB,
BENCH_CACHE_URL (redis://127.0.0.1:6379/13), DB_CONN_MAX_AGE (60).
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_API_DB", "techfin_bench_api")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")
WORKERS = 2
VAR_DIR = tempfile.mkdtemp(prefix="techfin-bench-api-")
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "ROOT_URLCONF": "bench.bench_urls",
        "DEBUG": "false",
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "TECHFIN_VAR_DIR": VAR_DIR,
        "OUTBOX_NUDGE": "false",
        "LOG_LEVEL": "WARNING",
        "CACHE_URL": CACHE_URL,
        # Per-user write throttle (300/min by default) off: the client is one user writing in a loop.
        "THROTTLE_WRITE": "100000000/min",
    }
)

import redis  # noqa: E402
import requests  # noqa: E402

from bench.support import drop_database, free_port, recreate_database, start_server, stop  # noqa: E402

LIST = "/api/v1/financing-requests/"
BARE = "/bench/bare/"


def create_data() -> dict:
    """Requests through the services; returns the tokens and the applicant's enterprise."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from coordination.services import financing_requests as rq
    from coordination.services.tokens import issue_token
    from tests import factories as f

    (Path(VAR_DIR) / "static").mkdir(parents=True, exist_ok=True)
    shanghai = f.RegionFactory(code="310000", name="上海市", pilot_zone=True)
    pudong = f.RegionFactory(code="310115", name="浦东新区", parent=shanghai)
    beijing = f.RegionFactory(code="110000", name="北京市")
    haidian = f.RegionFactory(code="110108", name="海淀区", parent=beijing)
    coordinator = f.coordinator("bench-coord-sh", regions=[shanghai])
    members = []
    for index, region in enumerate([pudong] * 10 + [haidian] * 3):
        user = f.UserFactory(username=f"bench-applicant-{index}")
        members.append((user, f.EnterpriseFactory(region=region, members=[user])))
    shapes = [(("credit_loan", "3000000"),), (("credit_loan", "2000000"), ("equity", "5000000"))]
    started = time.perf_counter()
    visible, hidden = members[:10], members[10:]
    for index in range(REQUESTS + REQUESTS // 3):
        user, enterprise = visible[index % 10] if index < REQUESTS else hidden[index % 3]
        request = f.draft_request(user=user, enterprise=enterprise, tranches=shapes[index % 2])
        rq.submit_request(request_id=request.pk, user=user)
    print(
        f"setup: {REQUESTS} submitted requests visible to the Shanghai coordinator and {REQUESTS // 3} "
        f"in Beijing, through the services, in {time.perf_counter() - started:.1f} s"
    )
    applicant, enterprise = visible[0]
    return {
        "coordinator": issue_token(user=coordinator, name="bench")[1],
        "applicant": issue_token(user=applicant, name="bench")[1],
        "enterprise": enterprise.pk,
    }


def count_queries(tokens: dict) -> dict:
    """Queries per request, in-process, for context."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, path, token in (
        ("bare", BARE, "coordinator"),
        ("list, new poll", f"{LIST}?poll=count", "coordinator"),
        ("list, repeated poll", f"{LIST}?poll=count", "coordinator"),
    ):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[token]}", HTTP_HOST="127.0.0.1")
        if name == "bare":
            client.get(path)  # the token's last use is written once a minute: not in the count
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[name] = len(queries)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens['applicant']}", HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as queries:
        created = client.post(LIST, create_body(tokens), content_type="application/json")
        assert created.status_code == 201, created.content
    counts["create"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        assert client.post(f"{LIST}{created.json()['id']}/submit/").status_code == 200
    counts["submit"] = len(queries)
    connection.close()
    return counts


def create_body(tokens: dict) -> dict:
    return {
        "enterprise": tokens["enterprise"],
        "purpose": "Pilot production line",
        "amount": "3000000",
        "term_months": 24,
        "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
    }


# Each call its own address: a thread number and a counter, so that no two calls share a cached page.
NEW_ADDRESS_EACH_CALL = """
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) n = 0 end
function request() n = n + 1; return wrk.format(nil, wrk.path .. "?poll=" .. id .. "-" .. n) end
"""


def wrk(url: str, token: str, *, new_address_each_call: bool = False) -> float:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS:g}s", "-H", f"Authorization: Bearer {token}"]
    if new_address_each_call:
        script = Path(VAR_DIR) / "new_address.lua"
        script.write_text(NEW_ADDRESS_EACH_CALL)
        command += ["-s", str(script)]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def python_load(step, token: str, seconds: float = SECONDS) -> float:
    """THREADS threads, each with a requests.Session, run step(session) until the time is up; returns
    requests per second (step returns how many requests it made)."""
    totals = [0] * THREADS
    errors: list[BaseException] = []
    start = time.perf_counter()
    stop = start + seconds

    def worker(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        try:
            while time.perf_counter() < stop:
                totals[index] += step(session)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(totals) / (time.perf_counter() - start)


def main() -> None:
    recreate_database(DB)
    redis.Redis.from_url(CACHE_URL).flushdb()
    tokens = create_data()
    queries = count_queries(tokens)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, WORKERS, os.environ.copy())
    try:
        checked = requests.get(base + LIST, headers={"Authorization": f"Bearer {tokens['coordinator']}"})
        assert checked.status_code == 200 and len(checked.json()["results"]) == 50, checked.text[:300]

        def get(path):
            def step(session):
                response = session.get(base + path)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
                return 1

            return step

        def create_submit(session):
            created = session.post(base + LIST, json=create_body(tokens))
            if created.status_code != 201:
                raise RuntimeError(f"create: {created.status_code} {created.text[:200]}")
            submitted = session.post(f"{base}{LIST}{created.json()['id']}/submit/")
            if submitted.status_code != 200:
                raise RuntimeError(f"submit: {submitted.status_code} {submitted.text[:200]}")
            return 2

        python_load(get(BARE), tokens["coordinator"], seconds=2)  # warm both workers up
        python_load(get(LIST), tokens["coordinator"], seconds=2)
        if shutil.which("wrk"):
            tool = f"wrk -t2 -c{CONNECTIONS} -d{SECONDS:g}s"
            bare = wrk(base + BARE, tokens["coordinator"])
            listing = wrk(base + LIST, tokens["coordinator"])
            listing_new = wrk(base + LIST, tokens["coordinator"], new_address_each_call=True)
        else:
            tool = f"python client, {THREADS} threads, {SECONDS:g} s"
            bare = python_load(get(BARE), tokens["coordinator"])
            listing = python_load(get(LIST), tokens["coordinator"])
            count = iter(range(10**9))
            listing_new = python_load(
                lambda session: get(f"{LIST}?poll={next(count)}")(session), tokens["coordinator"]
            )
        rounds = [
            (
                python_load(get(BARE), tokens["applicant"], SECONDS / 2),
                python_load(create_submit, tokens["applicant"], SECONDS / 2),
            )
            for _ in range(ROUNDS)
        ]
    finally:
        stop(server)

    conn_max_age = os.environ["DB_CONN_MAX_AGE"]
    print(f"server: gunicorn -w {WORKERS} (sync) on 127.0.0.1, DB_CONN_MAX_AGE={conn_max_age}")
    print(f"queries per request: {queries}")
    print(f"bare           GET {BARE:<28} {bare:8.1f} req/s  ({tool})")
    print(f"list           GET {LIST + ' (50)':<28} {listing:8.1f} req/s  ({tool}; repeated poll, cached)")
    print(f"list           GET {LIST + ' (50)':<28} {listing_new:8.1f} req/s  ({tool}; every poll new)")
    for index, (bare_python, writes) in enumerate(rounds, start=1):
        print(
            f"round {index}: bare {bare_python:6.1f} req/s, create+submit {writes:5.1f} req/s "
            f"({writes / 2:.1f} requests created and submitted per second; python client, {THREADS} threads, "
            f"{SECONDS / 2:g} s each), ratio {writes / bare_python:.2f}"
        )
    print(f"ratio list/bare          = {listing / bare:.2f}  (repeated poll; aim: 0.33 or better)")
    print(f"ratio list/bare          = {listing_new / bare:.2f}  (every poll new: read, shown and cached)")
    ratio = statistics.median(writes / bare_python for bare_python, writes in rounds)
    print(
        f"ratio create_submit/bare = {ratio:.2f}  (both through the python client; median of {ROUNDS} rounds)"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        drop_database(DB)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
