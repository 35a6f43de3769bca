"""Server render time of the applicant's pages (/sme/, the request form, a request's page) on the demo data,
against a bare page (a view that renders base.html behind `login_required`) in the same run.

Creates the PostgreSQL database `techfin_bench_pages`, migrates, runs `seed_demo --force` and
`compute_innovation_credits`, then gives `demo-applicant` a history through the services: BENCH_REQUESTS
(12) requests over its two enterprises in every early stage (drafts; submitted into triage; submitted
without documents, so screening asks for them; routed by the Shanghai coordinator to the matcher's
proposal, every referral opened and offered on). Then, in-process with Django's test client
(config.settings.local with DEBUG off, ROOT_URLCONF=bench.bench_urls), signed in as `demo-applicant`, it
renders each page BENCH_ROUNDS (30) times after a warm-up, the pages interleaved in every round so that
they share the machine's noise, and prints each page's median and 90th percentile, its queries and its
ratio to the bare page. The aim: every page under 150 ms.

Run: `.venv/bin/python bench/pages.py` (drops its database at the end). Environment: BENCH_ROUNDS (30),
BENCH_REQUESTS (12), BENCH_PAGES_DB, DB_CONN_MAX_AGE (60).
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_PAGES_DB", "techfin_bench_pages")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "12"))
AIM_MS = 150
VAR_DIR = tempfile.mkdtemp(prefix="techfin-bench-pages-")
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
    }
)

from bench.support import drop_database, recreate_database  # noqa: E402

BARE = "/bench/bare-page/"


def institution_user(institution, made: dict):
    """The institution's first member, or a bench reviewer made for it (most demo institutions have none)."""
    from tests import factories as f

    if institution.pk not in made:
        member = institution.members.order_by("pk").first()
        if member is None:
            member = f.UserFactory(username=f"bench-reviewer-{institution.pk}")
            institution.members.add(member)
        made[institution.pk] = member
    return made[institution.pk]


def create_data() -> dict[str, str]:
    """The demo, then the applicant's requests through the services; returns the pages to measure."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from coordination.errors import DomainError
    from coordination.models import Referral
    from coordination.services import financing_requests as rq
    from coordination.services import referrals as rs
    from coordination.services import routing
    from tests import factories as f

    (Path(VAR_DIR) / "static").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", force=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("compute_innovation_credits", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    users = get_user_model().objects
    applicant = users.get(username="demo-applicant")
    coordinator = users.get(username="demo-coordinator")
    enterprises = list(applicant.enterprises.order_by("pk"))
    shapes = [
        (("credit_loan", "3000000"),),
        (("credit_loan", "3000000"), ("rd_insurance", "1000000")),
    ]
    made: dict = {}
    counts = {"draft": 0, "triage": 0, "info_requested": 0, "routed": 0, "offers": 0}
    richest = (None, -1)
    first_draft = None
    for index in range(REQUESTS):
        enterprise = enterprises[index % len(enterprises)]
        stage = ("draft", "triage", "info_requested", "routed")[index % 4]
        request = f.draft_request(
            user=applicant,
            enterprise=enterprise,
            tranches=shapes[(index // 4) % 2],
            documents=stage != "info_requested",
        )
        if stage == "draft":
            first_draft = first_draft or request.reference
        else:
            rq.submit_request(request_id=request.pk, user=applicant)
        if stage == "routed":
            try:
                routing.route_request(request_id=request.pk, user=coordinator)
            except DomainError as error:
                print(f"  {request.reference}: not routed ({error.message}); stays in triage")
                counts["triage"] += 1
                continue
            offers = 0
            for referral in Referral.objects.filter(request=request).select_related("tranche", "institution"):
                reviewer = institution_user(referral.institution, made)
                rs.open_referral(referral_id=referral.pk, user=reviewer)
                rs.make_offer(
                    referral_id=referral.pk,
                    user=reviewer,
                    amount=referral.tranche.amount,
                    annual_rate=Decimal("0.0315"),
                    term_months=24,
                    valid_until=timezone.localdate() + timedelta(days=30),
                )
                offers += 1
            counts["offers"] += offers
            if offers > richest[1]:
                richest = (request.reference, offers)
        counts[stage] += 1
    print(
        f"setup: demo (scale 1) and {REQUESTS} requests of demo-applicant through the services {counts} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    pages = {"bare page": BARE, "/sme/": "/sme/", "/sme/requests/new/": "/sme/requests/new/"}
    if richest[0]:
        pages[f"request, routed ({richest[1]} referrals+offers)"] = f"/sme/requests/{richest[0]}/"
    if first_draft:
        pages["request, draft"] = f"/sme/requests/{first_draft}/"
    return pages


def measure(pages: dict[str, str]) -> dict[str, dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="demo-applicant"))
    results: dict[str, dict] = {name: {"times": []} for name in pages}
    for name, path in pages.items():
        for _ in range(3):  # warm-up: templates, translations, the connection
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        results[name]["queries"] = len(queries)
    for _ in range(ROUNDS):
        for name, path in pages.items():
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            results[name]["times"].append(elapsed * 1000)
    return results


def main() -> None:
    recreate_database(DB)
    pages = create_data()
    results = measure(pages)
    bare = statistics.median(results["bare page"]["times"])
    width = max(len(name) for name in results)
    print(f"in-process (django.test.Client), DEBUG off, {ROUNDS} rounds, pages interleaved; median / p90")
    worst = 0.0
    for name, result in results.items():
        times = sorted(result["times"])
        median = statistics.median(times)
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        ratio = "" if name == "bare page" else f"  ratio {median / bare:5.2f}"
        if name != "bare page":
            worst = max(worst, median)
        print(
            f"{name:<{width}}  {median:7.1f} ms  p90 {p90:7.1f} ms  queries {result['queries']:3d}{ratio}  "
            f"{pages[name]}"
        )
    verdict = "met" if worst < AIM_MS else "MISSED"
    print(f"slowest SME page median {worst:.1f} ms (aim: under {AIM_MS} ms): {verdict}")


if __name__ == "__main__":
    try:
        main()
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(DB)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
