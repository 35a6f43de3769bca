"""Matching and routing cost per request, at 100 and at ~10 000 active products, on PostgreSQL and SQLite.

For each backend: create a database, migrate, load `seed_demo --scale 100` (about 12 000 products,
10 000-odd of them active today, and 20 000 enterprises), compute the innovation credits, then, for
each catalogue size, inside one transaction that is rolled back at the end:

* create 1 000 requests in triage (70% one credit loan, 10% IP-pledge loan, 10% equity, 10% a
  loan + equity + R&D-insurance package) for random seeded enterprises;
* time a bare indexed query of the candidate table per request (instrument, active, amount range:
  what the `product_active_match_idx` index serves) — the floor any matcher pays;
* time `propose(request)` (hard filters, scores, policy) and count its queries;
* time `route_request(...)` (propose, the bulk re-check of the candidates, referrals, audit, deadlines,
  outbox) and count its queries.

The 100-product catalogue is the same database with all but 100 random active products switched
off (committed and vacuumed before the pass, switched back on after it). Prints median and p95 per
request, queries per request, and the ratios of propose and route to the bare query; at the whole catalogue,
issue 16's aims scaled to the machine they were set on (REFERENCE_BARE_MS). Drops its databases at the
end (unless --keep; --reuse runs on a kept one without seeding again).

Run: `.venv/bin/python bench/matching.py` (both backends) or `--backend postgres|sqlite`,
`--requests 1000`, `--scale 100`, `--sizes 100 0` (0: the whole catalogue), `--explain`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_MATCHING_DB", "matchbench")
SQLITE_PATH = Path(os.environ.get("BENCH_MATCHING_SQLITE", "/tmp/matchbench.sqlite3"))
SEED = 2026


class Rollback(Exception):
    pass


def database_url(backend: str) -> str:
    if backend == "postgres":
        return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    return f"sqlite:///{SQLITE_PATH}"


def recreate(backend: str) -> None:
    if backend == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def drop(backend: str) -> None:
    if backend == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


def active_products():
    from django.db.models import Q
    from django.utils import timezone

    from lenders.models import Product

    today = timezone.localdate()
    return Product.objects.filter(is_active=True, institution__is_active=True, active_from__lte=today).filter(
        Q(active_until__isnull=True) | Q(active_until__gte=today)
    )


def load_catalogue(scale: int) -> None:
    """seed_demo at `scale`; if that command is missing, a bulk-made catalogue of the same size."""
    from django.core.management import call_command

    started = time.perf_counter()
    try:
        call_command("seed_demo", scale=scale, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        how = f"seed_demo --scale {scale}"
    except Exception as error:  # the other helper's command may not exist yet
        print(f"  seed_demo unavailable ({error!r}); generating the catalogue in bulk")
        bulk_catalogue(scale)
        how = "bulk catalogue"
    print(f"  catalogue: {how} in {time.perf_counter() - started:.1f} s")


def bulk_catalogue(scale: int) -> None:
    from datetime import date

    from lenders.choices import INSTRUMENTS_BY_KIND
    from lenders.models import Institution, Product
    from projects.domain.credit_code import make_credit_code
    from projects.models import Enterprise, EnterpriseFinancials, Region, TechField

    rng = random.Random(SEED)
    province = Region.objects.create(code="310000", name="上海市", pilot_zone=True)
    districts = [
        Region.objects.create(code=f"3101{i:02d}", name=f"区{i}", parent=province) for i in range(1, 17)
    ]
    fields = [
        TechField.objects.create(code=f"field-{i}", name=f"领域{i}", hard_tech=i < 6) for i in range(10)
    ]
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            credit_code=make_credit_code(f"91310000{i:09d}"),
            name=f"企业{i}",
            region=rng.choice(districts),
            founded_on=date(2018, 1, 1),
            stage=rng.choice(["startup", "growth", "stable"]),
            industry="software_it",
            employees=rng.randint(10, 400),
            tech_sme_registration_no="2026X" if rng.random() < 0.7 else "",
        )
        for i in range(200 * scale)
    )
    EnterpriseFinancials.objects.bulk_create(
        EnterpriseFinancials(
            enterprise=e,
            year=year,
            revenue=Decimal(rng.randint(1, 200) * 1_000_000),
            total_assets=Decimal(rng.randint(1, 200) * 1_000_000),
            total_costs=Decimal(rng.randint(1, 100) * 1_000_000),
            rnd_expense=Decimal(rng.randint(1, 20) * 100_000),
            staff=100,
            st_staff=rng.randint(5, 60),
            invention_patents=rng.randint(0, 8),
        )
        for e in enterprises
        for year in (2024, 2025)
    )
    through = Enterprise.fields.through
    through.objects.bulk_create(
        through(enterprise_id=e.pk, techfield_id=rng.choice(fields).pk) for e in enterprises
    )
    kinds = ["bank"] * 4 + ["insurer", "vc", "vc", "guarantor"]
    institutions = Institution.objects.bulk_create(
        Institution(
            name=f"机构{i}", kind=kinds[i % len(kinds)], credit_code=make_credit_code(f"91110000{i:09d}")
        )
        for i in range(40 * scale)
    )
    products = []
    for institution in institutions:
        for n in range(3):
            low = rng.choice([100_000, 500_000, 1_000_000, 5_000_000])
            products.append(
                Product(
                    institution=institution,
                    name=f"产品{n}",
                    instrument=rng.choice(INSTRUMENTS_BY_KIND[institution.kind]),
                    min_amount=Decimal(low),
                    max_amount=Decimal(low * rng.choice([10, 50, 200])),
                    min_term_months=rng.choice([3, 6, 12]),
                    max_term_months=rng.choice([24, 36, 60, 120]),
                    min_credit_score=Decimal(rng.choice([0, 0, 30, 50])),
                    requires_tech_sme=rng.random() < 0.3,
                    yearly_capacity=Decimal(10_000_000_000),
                    active_from=date(2025, 1, 1),
                )
            )
    Product.objects.bulk_create(products)


def make_requests(count: int, rng: random.Random):
    from django.contrib.auth import get_user_model

    from coordination.models import FinancingRequest, Tranche
    from projects.models import Enterprise

    user, _ = get_user_model().objects.get_or_create(username="bench-requester")
    enterprise_ids = list(
        Enterprise.objects.filter(financials__isnull=False).distinct().values_list("pk", flat=True)
    )
    amounts = [500_000, 1_000_000, 3_000_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000]
    specs = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.7:
            tranches = [("credit_loan", rng.choice(amounts))]
        elif roll < 0.8:
            tranches = [("ip_pledge_loan", rng.choice(amounts[:5]))]
        elif roll < 0.9:
            tranches = [("equity", rng.choice(amounts))]
        else:
            tranches = [
                ("credit_loan", rng.choice(amounts[2:])),
                ("equity", rng.choice(amounts[1:5])),
                ("rd_insurance", rng.choice(amounts[:3])),
            ]
        specs.append((rng.choice(enterprise_ids), rng.choice([12, 24, 36]), tranches))
    requests = FinancingRequest.objects.bulk_create(
        FinancingRequest(
            enterprise_id=enterprise_id,
            reference=f"BENCH-{index:06d}",
            purpose="bench",
            amount=Decimal(sum(a for _, a in tranches)),
            term_months=term,
            status="triage",
            created_by=user,
        )
        for index, (enterprise_id, term, tranches) in enumerate(specs)
    )
    Tranche.objects.bulk_create(
        Tranche(request=request, position=position, instrument=instrument, amount=Decimal(amount))
        for request, (_, _, tranches) in zip(requests, specs, strict=True)
        for position, (instrument, amount) in enumerate(tranches, start=1)
    )
    # With the enterprise and its region, as every caller of the matcher reads a request (the API's
    # proposal, routing's lock): without them the matcher reads them first, a round trip no caller pays.
    return list(
        FinancingRequest.objects.filter(purpose="bench").select_related("enterprise__region").order_by("pk")
    )


def run_size(size: int | None, requests_count: int, explain: bool) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from coordination.errors import DomainError
    from coordination.matching import eligibility, proposal
    from coordination.matching.context import build_context
    from coordination.models import CoordinatorScope, Tranche
    from coordination.services import routing
    from lenders.models import Product

    rng = random.Random(SEED)
    result: dict = {}
    switched_off: list[int] = []
    if size is not None:
        # Committed, then vacuumed: switched-off rows updated inside the measured transaction would leave
        # their old versions in the partial index and make PostgreSQL visit them on every query.
        active = sorted(active_products().values_list("pk", flat=True))
        keep = set(random.Random(SEED).sample(active, min(size, len(active))))
        switched_off = [
            pk for pk in Product.objects.filter(is_active=True).values_list("pk", flat=True) if pk not in keep
        ]
        Product.objects.filter(pk__in=switched_off).update(is_active=False)
        vacuum()
    try:
        with transaction.atomic():
            result["products"] = active_products().count()
            requests = make_requests(requests_count, rng)
            tranches: dict[int, list] = {}
            for tranche in Tranche.objects.filter(request__in=requests).order_by("position"):
                tranches.setdefault(tranche.request_id, []).append(tranche)
            national = get_user_model().objects.create(username="bench-national", is_staff=True)
            CoordinatorScope.objects.create(user=national, national=True)

            match, match_queries, route, route_queries = [], [], [], []
            unroutable = candidates = 0

            def time_bare(request) -> float:
                started = time.perf_counter()
                for tranche in tranches[request.pk]:
                    list(
                        Product.objects.filter(
                            instrument=tranche.instrument,
                            is_active=True,
                            min_amount__lte=tranche.amount,
                            max_amount__gte=tranche.amount,
                        ).values_list("pk", flat=True)
                    )
                return time.perf_counter() - started

            # The bare queries in a loop of their own, as on the machine the aims were set on
            # (REFERENCE_BARE_MS was measured so; timed beside each call, it ran colder and slower here).
            bare = [time_bare(request) for request in requests]
            for request in requests:
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    proposed = proposal.propose(request)
                    match.append(time.perf_counter() - started)
                match_queries.append(len(queries))
                candidates += sum(len(c) for c in proposed.values())
            for request in requests:
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    try:
                        with transaction.atomic():
                            routing.route_request(request_id=request.pk, user=national)
                    except DomainError:
                        unroutable += 1
                    route.append(time.perf_counter() - started)
                route_queries.append(len(queries))
            if explain and connection.vendor == "postgresql":
                request = requests[0]
                ctx = build_context(request)
                query = eligibility.eligible_products(ctx, tranches[request.pk])
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN ANALYZE {query.text}", list(query.params))
                    print("\n".join(line for (line,) in cursor.fetchall()))
            result.update(
                bare=bare,
                match=match,
                match_queries=match_queries,
                route=route,
                route_queries=route_queries,
                unroutable=unroutable,
                candidates=candidates / len(requests),
            )
            raise Rollback
    except Rollback:
        pass
    finally:
        if switched_off:
            Product.objects.filter(pk__in=switched_off).update(is_active=True)
    vacuum()
    return result


def vacuum() -> None:
    """Clear dead rows (earlier passes are rolled back) and refresh the planner's statistics."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# Issue 16's aims were set on a machine where this bench's bare query took ~2.7 ms at 10 411 products
# (bench/README.md, the runs on the machine whose bare endpoint matched the 1 282 req/s): propose
# 12 ms and route 30 ms there are these multiples of the bare query, which a slower or faster machine scales.
REFERENCE_BARE_MS = 2.7
AIMS_MS = {"propose": 12.0, "route_request": 30.0}


def report(label: str, r: dict, *, aims: bool) -> None:
    """`aims`: print issue 16's aims scaled to this machine (PostgreSQL at the issue's scale only, where
    REFERENCE_BARE_MS was measured)."""
    bare, match, route = r["bare"], r["match"], r["route"]
    mq, rqs = sorted(set(r["match_queries"])), r["route_queries"]
    ratios = {
        "propose": statistics.median(match) / statistics.median(bare),
        "route_request": statistics.median(route) / statistics.median(bare),
    }
    print(
        f"  {label:>6} products {r['products']:>6} | bare query median {ms(statistics.median(bare))} ms "
        f"p95 {ms(p95(bare))} ms"
    )
    print(
        f"         propose      median {ms(statistics.median(match))} ms p95 {ms(p95(match))} ms | "
        f"queries/request {mq if len(mq) > 1 else mq[0]} | {r['candidates']:.1f} candidates/request | "
        f"ratio to bare {ratios['propose']:.1f}×"
    )
    print(
        f"         route_request median {ms(statistics.median(route))} ms p95 {ms(p95(route))} ms | "
        f"queries/request median {statistics.median(rqs):.0f} (min {min(rqs)}, max {max(rqs)}) | "
        f"{r['unroutable']} not routable (no candidate for a tranche) | "
        f"ratio to bare {ratios['route_request']:.1f}×"
    )
    if aims and label == "all":
        for name, aim in AIMS_MS.items():
            scaled = ratios[name] * REFERENCE_BARE_MS
            print(
                f"         issue 16: {name} ≤ {aim:.0f} ms on its machine = ≤ {aim / REFERENCE_BARE_MS:.1f}× "
                f"the bare query there ({REFERENCE_BARE_MS} ms): here {ratios[name]:.1f}×, "
                f"≈ {scaled:.1f} ms there — {'met' if scaled <= aim else 'NOT met'}"
            )


def run_backend(backend: str, args) -> None:
    os.environ["DATABASE_URL"] = database_url(backend)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["OUTBOX_NUDGE"] = "false"
    os.environ["DEBUG"] = "false"  # no query log outside the measured calls
    if not args.reuse:
        recreate(backend)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from projects.credits import services

        print(f"== {backend}: {connection.settings_dict['NAME']}, {args.requests} requests, seed {SEED}")
        call_command("migrate", verbosity=0)
        if not (args.reuse and active_products().exists()):
            load_catalogue(args.scale)
            started = time.perf_counter()
            year = services.latest_year()
            # Every published version: products' minimums name theirs.
            scored = services.compute_all_versions(year=year, batch_size=1000)
            print(
                f"  innovation credits: {scored} enterprises scored by version for {year} "
                f"in {time.perf_counter() - started:.1f} s"
            )
        vacuum()
        for size in args.sizes:
            label = "all" if size == 0 else str(size)
            result = run_size(size or None, args.requests, args.explain and size == 0)
            report(label, result, aims=backend == "postgres" and args.scale == 100)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop(backend)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--scale", type=int, default=100, help="seed_demo --scale (100 ≈ 10 000 active products)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100, 0], help="catalogue sizes; 0 = everything"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the candidate query (PostgreSQL)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database (no re-seeding)")
    args = parser.parse_args()
    if args.backend == "both":
        common = [
            "--requests",
            str(args.requests),
            "--scale",
            str(args.scale),
            "--sizes",
            *map(str, args.sizes),
        ]
        common += ["--explain"] * args.explain + ["--keep"] * args.keep + ["--reuse"] * args.reuse
        for backend in ("postgres", "sqlite"):
            subprocess.run([sys.executable, __file__, "--backend", backend, *common], check=True)
        return
    run_backend(args.backend, args)


if __name__ == "__main__":
    main()
