"""The national evaluation dashboard at 100 k and 1 M requests, against a bare indexed count in the same run.

Creates the PostgreSQL database `techfin_bench_evaluation`, migrates (the reference regions and fields), adds
districts so that every province has BENCH_DISTRICTS (20) of them, and generates requests with bulk_create
in chunks (not through the services: a million walks through the workflow would take hours on this
machine): each request one tranche (credit loan 70 %, IP pledge loan 10 %, equity 10 %, R&D insurance
10 %), submitted over the 24 months before today; 75 % reach triage and are routed to one institution,
with a review deadline; 60 % of those are answered with an offer (the rest declined with a reason), 85 % of
the offers accepted and 90 % of those funded. Enterprises: one per 5 requests, with yearly financials.

At each size (default 100 000 then 1 000 000; `--sizes 100000,300000` to change, since the largest takes a
while to generate on two cores) it computes the monthly snapshots (what beat keeps; timed), then measures,
interleaved over BENCH_ROUNDS (5) rounds after a warm-up:

* bare: `FinancingRequest.objects.filter(status="funded").count()`, a count on the (status, escalated) index;
* dashboard: `GET /evaluation/` as a national coordinator (config.settings.local, DEBUG off, in-process
  Django test client), the last complete quarter against the one before, from the snapshots;
* API: `GET /api/v1/evaluation/?scope=national` over the same quarter;
and once, the same national quarter computed live from the requests (no snapshots), to show what the
snapshots save. Prints medians, ratios to the bare count, and the sizes (regions × months, snapshot rows).
The aim: the dashboard under a second at 1 M, its cost growing with regions × months, not with requests.

Run: `.venv/bin/python bench/evaluation.py [--sizes 100000,1000000] [--keep]` (drops its database at the
end unless --keep). Environment: BENCH_ROUNDS, BENCH_DISTRICTS, BENCH_EVALUATION_DB.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_EVALUATION_DB", "techfin_bench_evaluation")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
DISTRICTS = int(os.environ.get("BENCH_DISTRICTS", "20"))
CHUNK = 10_000
VAR_DIR = tempfile.mkdtemp(prefix="techfin-bench-evaluation-")
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DB_CONN_MAX_AGE": "60",
        "TECHFIN_VAR_DIR": VAR_DIR,
        "OUTBOX_NUDGE": "false",
        "LOG_LEVEL": "WARNING",
    }
)

from bench.support import drop_database, recreate_database  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
INSTRUMENTS = ["credit_loan"] * 7 + ["ip_pledge_loan", "equity", "rd_insurance"]
KIND_OF = {"credit_loan": "bank", "ip_pledge_loan": "bank", "equity": "vc", "rd_insurance": "insurer"}
REASONS = ["outside_appetite", "insufficient_credit", "incomplete_documents", "terms_mismatch"]


def setup_world() -> dict:
    """Regions (every province with DISTRICTS districts), institutions and products, a coordinator."""
    import django

    django.setup()
    from django.core.management import call_command

    from lenders.models import Institution, Product
    from projects.models import Region, TechField
    from tests import factories as f

    (Path(VAR_DIR) / "static").mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    provinces = list(Region.objects.filter(parent__isnull=True))
    existing = set(Region.objects.values_list("code", flat=True))
    new = []
    for province in provinces:
        for index in range(1, DISTRICTS + 1):
            code = f"{province.code[:2]}{90 + index // 100:02d}{index % 100:02d}"
            if code not in existing:
                new.append(Region(code=code, name=f"{province.name}·{index}", parent=province))
    Region.objects.bulk_create(new)
    districts = list(Region.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    products: dict[str, list] = {}
    for index in range(30):
        kind = ("bank", "bank", "vc", "insurer")[index % 4]
        institution = f.InstitutionFactory(name=f"Bench institution {index}", kind=kind)
        for instrument in [i for i, k in KIND_OF.items() if k == kind]:
            product = f.ProductFactory(institution=institution, instrument=instrument)
            products.setdefault(instrument, []).append((product.pk, institution.pk))
    del Institution, Product
    return {
        "districts": districts,
        "fields": list(TechField.objects.values_list("pk", flat=True)),
        "products": products,
        "user": f.UserFactory(username="bench-applicant"),
        "national": f.coordinator("bench-national", national=True),
        "enterprises": [],
    }


def generate(world: dict, start_index: int, count: int, seed: int) -> None:
    """`count` more requests (and their enterprises, referrals, offers, funding) with bulk_create."""
    from django.db import connection

    from coordination.models import Deadline, FinancingRequest, Offer, Referral, Tranche, TransitionEvent
    from projects.models import Enterprise, EnterpriseFinancials

    rng = random.Random(seed)
    # Generated history keeps its own times, not the moment of the insert.
    for model in (FinancingRequest, Offer):
        model._meta.get_field("created_at").auto_now_add = False
    today = date.today()
    user = world["user"]
    enterprises = world["enterprises"]
    have = len(enterprises)
    need = (start_index + count) // 5 + 1 - have
    for offset in range(0, need, CHUNK):
        batch = [
            Enterprise(
                credit_code=f"91{have + offset + i:016d}",
                name=f"Bench enterprise {have + offset + i}",
                region_id=rng.choice(world["districts"]),
                founded_on=today - timedelta(days=rng.randint(200, 6000)),
                stage=rng.choice(["startup", "growth", "stable"]),
                industry=rng.choice(["software_it", "industry"]),
                employees=rng.randint(5, 900),
                tech_sme_registration_no="2026" if rng.random() < 0.6 else "",
                tech_sme_registration_year=2024 if rng.random() < 0.6 else None,
            )
            for i in range(min(CHUNK, need - offset))
        ]
        Enterprise.objects.bulk_create(batch, batch_size=5000)
        EnterpriseFinancials.objects.bulk_create(
            [
                EnterpriseFinancials(
                    enterprise=e,
                    year=today.year - 1,
                    revenue=Decimal(rng.randint(100_000, 500_000_000)),
                    total_assets=Decimal(rng.randint(100_000, 500_000_000)),
                    total_costs=Decimal(rng.randint(100_000, 300_000_000)),
                    rnd_expense=Decimal(rng.randint(0, 30_000_000)),
                    staff=e.employees,
                    st_staff=e.employees // 3,
                )
                for e in batch
            ],
            batch_size=5000,
        )
        Enterprise.fields.through.objects.bulk_create(
            [
                Enterprise.fields.through(enterprise_id=e.pk, techfield_id=rng.choice(world["fields"]))
                for e in batch
            ],
            batch_size=5000,
        )
        enterprises.extend(e.pk for e in batch)
    for offset in range(0, count, CHUNK):
        size = min(CHUNK, count - offset)
        requests, plans = [], []
        for i in range(size):
            number = start_index + offset + i
            submitted = datetime.combine(
                today - timedelta(days=rng.randint(0, 730)), dtime(rng.randint(1, 10)), tzinfo=SH
            )
            instrument = rng.choice(INSTRUMENTS)
            amount = Decimal(rng.randrange(500_000, 20_000_000, 100_000))
            routed = rng.random() < 0.75
            offered = routed and rng.random() < 0.6
            accepted = offered and rng.random() < 0.85
            funded = accepted and rng.random() < 0.9
            status = (
                "funded" if funded else "offer_accepted" if accepted else "routed" if routed else "triage"
            )
            requests.append(
                FinancingRequest(
                    enterprise_id=rng.choice(enterprises),
                    reference=f"FR-B-{number:012d}",
                    purpose="bench",
                    amount=amount,
                    term_months=rng.choice([12, 24, 36, 60]),
                    status=status,
                    created_by=user,
                    submitted_at=submitted,
                    created_at=submitted,
                )
            )
            plans.append((instrument, amount, submitted, routed, offered, accepted, funded))
        FinancingRequest.objects.bulk_create(requests, batch_size=5000)
        tranches = [
            Tranche(request=r, position=1, instrument=plan[0], amount=plan[1])
            for r, plan in zip(requests, plans, strict=True)
        ]
        Tranche.objects.bulk_create(tranches, batch_size=5000)
        events, referrals, answered = [], [], []
        for request, tranche, plan in zip(requests, tranches, plans, strict=True):
            instrument, _amount, submitted, routed, offered, _accepted, _funded = plan
            if not routed:
                continue
            events.append(
                TransitionEvent(
                    request=request,
                    object_type="financing_request",
                    object_id=request.pk,
                    action="screen_pass",
                    from_status="screening",
                    to_status="triage",
                    actor_role="system",
                    created_at=submitted + timedelta(minutes=5),
                )
            )
            product_id, institution_id = rng.choice(world["products"][instrument])
            referral = Referral(
                tranche=tranche,
                request=request,
                product_id=product_id,
                institution_id=institution_id,
                status="offered" if offered else "declined",
                decline_reason="" if offered else rng.choice(REASONS),
            )
            referrals.append(referral)
            answered.append((referral, plan, submitted + timedelta(days=1 + rng.randint(0, 20), hours=2)))
        TransitionEvent.objects.bulk_create(events, batch_size=5000)
        Referral.objects.bulk_create(referrals, batch_size=5000)
        deadlines, events, offers = [], [], []
        for referral, plan, answered_at in answered:
            submitted = plan[2]
            deadlines.append(
                Deadline(
                    request_id=referral.request_id,
                    object_type="referral",
                    object_id=referral.pk,
                    stage="institution_review",
                    kind="expire",
                    due_at=submitted + timedelta(days=14),
                    state="cancelled",
                    created_at=submitted + timedelta(days=1),
                )
            )
            events.append(
                TransitionEvent(
                    request_id=referral.request_id,
                    object_type="referral",
                    object_id=referral.pk,
                    action="offer" if plan[4] else "decline",
                    from_status="reviewing",
                    to_status="offered" if plan[4] else "declined",
                    actor_role="institution",
                    created_at=answered_at,
                )
            )
            if plan[4]:
                offers.append(
                    (
                        Offer(
                            referral=referral,
                            tranche_id=referral.tranche_id,
                            request_id=referral.request_id,
                            status="accepted" if plan[5] else "open",
                            amount=plan[1],
                            annual_rate=Decimal(rng.randint(250, 480)) / 10000
                            if plan[0] != "equity"
                            else None,
                            term_months=rng.choice([12, 24, 36, 60]),
                            valid_until=answered_at.date() + timedelta(days=30),
                            created_by=user,
                            created_at=answered_at,
                        ),
                        plan,
                        answered_at,
                    )
                )
        Deadline.objects.bulk_create(deadlines, batch_size=5000)
        TransitionEvent.objects.bulk_create(events, batch_size=5000)
        Offer.objects.bulk_create([offer for offer, _plan, _at in offers], batch_size=5000)
        updates = []
        for offer, plan, answered_at in offers:
            if plan[5]:
                funded_on = (
                    min(answered_at.date() + timedelta(days=rng.randint(5, 40)), today) if plan[6] else None
                )
                updates.append((offer.tranche_id, offer.pk, plan[1] if plan[6] else None, funded_on))
        with connection.cursor() as cursor:
            for part in range(0, len(updates), 2000):
                rows = updates[part : part + 2000]
                values = ", ".join(["(%s::bigint, %s::bigint, %s::numeric, %s::date)"] * len(rows))
                cursor.execute(
                    "UPDATE coordination_tranche AS t SET accepted_offer_id = v.offer, "
                    f"funded_amount = v.amount, funded_on = v.funded FROM (VALUES {values}) "
                    "AS v(id, offer, amount, funded) WHERE t.id = v.id",
                    [item for row in rows for item in row],
                )


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(world: dict, size: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from coordination.evaluation.collect import collect
    from coordination.evaluation.indicators import evaluate
    from coordination.evaluation.scope import Filters, Scope, ScopeKind, last_complete_quarter
    from coordination.evaluation.snapshots import months_back, recompute_month
    from coordination.models import EvaluationSnapshot, FinancingRequest
    from coordination.services.tokens import issue_token
    from projects.models import Region

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    months = months_back(date.today().replace(day=1), 25)
    started = time.perf_counter()
    for month in months:
        recompute_month(month)
    snapshot_seconds = time.perf_counter() - started
    quarter = last_complete_quarter(timezone.localdate())
    query = {"scope": "national", "start": quarter.start.isoformat(), "end": quarter.end.isoformat()}
    api_query = {"scope": "national", "from": query["start"], "to": query["end"]}
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world["national"])
    _token, key = issue_token(user=world["national"])
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {key}")

    def bare():
        FinancingRequest.objects.filter(status="funded").count()

    def dashboard():
        assert client.get("/evaluation/", query).status_code == 200

    def api_call():
        assert api.get("/api/v1/evaluation/", api_query).status_code == 200

    assert evaluate(Scope(ScopeKind.NATIONAL), quarter).from_snapshots, (
        "the dashboard must read the snapshots"
    )
    runs = {"bare": bare, "dashboard": dashboard, "api": api_call}
    for call in runs.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, call in runs.items():
            times[name].append(timed(call))
    live_ms = timed(
        lambda: [collect(p, Scope(ScopeKind.NATIONAL), Filters()) for p in (quarter, quarter.previous())]
    )
    medians = {name: statistics.median(values) for name, values in times.items()}
    regions = Region.objects.count()
    rows = EvaluationSnapshot.objects.count()
    print(
        f"\n{size:,} requests; {regions} regions; snapshots: {len(months)} months, {rows:,} rows, "
        f"computed in {snapshot_seconds:.1f} s ({snapshot_seconds / len(months):.2f} s a month)"
    )
    print(f"  bare indexed count          {medians['bare']:9.1f} ms")
    for name, label in (("dashboard", "GET /evaluation/ (national)"), ("api", "GET /api/v1/evaluation/")):
        print(f"  {label:28s}{medians[name]:9.1f} ms   ratio {medians[name] / medians['bare']:8.1f}")
    print(
        f"  same quarter live, no snapshots {live_ms:7.0f} ms   ratio {live_ms / medians['bare']:8.1f}",
        flush=True,
    )


def remeasure() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from coordination.models import FinancingRequest

    (Path(VAR_DIR) / "static").mkdir(parents=True, exist_ok=True)
    national = get_user_model().objects.get(username="bench-national")
    measure({"national": national}, FinancingRequest.objects.count())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="100000,1000000", help="request counts, ascending, comma-separated"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--measure-only", action="store_true", help="measure a database kept by an earlier --keep run"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.measure_only:
        remeasure()
        return
    recreate_database(DB)
    try:
        world = setup_world()
        made = 0
        for size in sizes:
            started = time.perf_counter()
            generate(world, made, size - made, seed=size)
            print(f"generated {size - made:,} requests in {time.perf_counter() - started:.0f} s", flush=True)
            sys.stdout.flush()
            made = size
            measure(world, size)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(DB)


if __name__ == "__main__":
    main()
