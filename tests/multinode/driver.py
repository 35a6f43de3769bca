"""The multi-node journey, run by .ci/multinode once every process is started.

Through the balancer: draft → documents → submit → route → offer → accept → approve → fund → close,
with a web node and a worker SIGKILLed right after the route (the worker while it holds a webhook).
Then it checks, on the database, the receiver and the mail folder, that nothing the client saw
succeed was lost and nothing was delivered twice, and prints the numbers.
"""

from __future__ import annotations

import email
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import django
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from coordination.models import (  # noqa: E402
    Deadline,
    Delivery,
    DeliveryAttempt,
    FinancingRequest,
    Notification,
    OutboxMessage,
    RequestDocument,
    TransitionEvent,
    WebhookSubscription,
)
from coordination.services.tokens import user_for_key  # noqa: E402
from lenders.models import Product  # noqa: E402
from tests.factories import pdf_bytes  # noqa: E402
from tests.support.processes import wait_until  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402

WORK = Path(os.environ["MULTINODE_DIR"])
BALANCER = f"http://127.0.0.1:{os.environ['LB_PORT']}"
NODE_1 = f"http://127.0.0.1:{os.environ['WEB1_PORT']}"
NODE_2 = f"http://127.0.0.1:{os.environ['WEB2_PORT']}"
# Real PDFs (the upload checks parse them), one page for the plan and two for the statements, so that a
# download through the other node can be told apart byte for byte.
PDFS = {"business_plan": pdf_bytes(pages=1), "financial_statements": pdf_bytes(pages=2)}
RETRYABLE = {502, 503, 504}


@dataclass
class Tally:
    requests: int = 0
    retries: int = 0
    replays: int = 0
    kills: list[str] = field(default_factory=list)
    writes: list[tuple[str, dict]] = field(default_factory=list)


tally = Tally()


class Client:
    """One login's HTTP client: every POST carries an Idempotency-Key and is retried under the same key
    when the balancer or a dying node did not answer, as an integration would."""

    def __init__(self, token: str | None = None):
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, *, base: str = BALANCER, expect=(200, 201), **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        for attempt in range(8):
            tally.requests += 1
            try:
                response = self.session.request(method, base + path, headers=headers, timeout=30, **kwargs)
            except requests.ConnectionError:
                response = None
            if response is None or response.status_code in RETRYABLE:
                tally.retries += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            assert response.status_code in expect, (
                f"{method} {path}: {response.status_code} {response.text[:400]}"
            )
            if response.headers.get("Idempotent-Replayed") == "true":
                tally.replays += 1
            if method == "POST":
                tally.writes.append((path, response.json()))
            return response
        raise AssertionError(f"{method} {path}: no answer after 8 tries")

    def post(self, path: str, body: dict | None = None, **kwargs) -> dict:
        return self.call("POST", path, json=body or {}, **kwargs).json()

    def get(self, path: str, **kwargs) -> dict:
        return self.call("GET", path, **kwargs).json()


def login(username: str) -> Client:
    body = Client().post("/api/v1/auth/token/", {"username": username, "password": settings.DEMO_PASSWORD})
    return Client(body["token"])


def group_of(name: str) -> int:
    return int((WORK / "pids" / name).read_text())


def alive(pgid: int) -> bool:
    """Any process of the group still running (zombies waiting to be reaped do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def kill(name: str) -> None:
    pgid = group_of(name)
    os.killpg(pgid, signal.SIGKILL)
    wait_until(lambda: not alive(pgid), timeout=10, message=f"{name} to die")
    tally.kills.append(name)


def wait_ready() -> None:
    from config.celery import app

    def answers(url: str) -> bool:
        try:
            return requests.get(url, timeout=5).status_code == 200
        except requests.RequestException:
            return False

    for url in (f"{NODE_1}/readyz", f"{NODE_2}/readyz", f"{BALANCER}/healthz"):
        wait_until(lambda url=url: answers(url), timeout=60, interval=0.2, message=url)
    wait_until(
        lambda: len(app.control.ping(timeout=0.5)) == 2, timeout=60, interval=0.5, message="two workers"
    )
    wait_until(lambda: beat_lines()[0] + beat_lines()[1] > 0 or beat_lock(), timeout=60, message="a beat")


def beat_lock() -> bool:
    import redis

    return bool(redis.Redis.from_url(settings.CELERY_BROKER_URL).exists("redbeat::lock"))


def beat_lines() -> tuple[int, int]:
    """How many tasks each beat sent, from its own log."""
    return tuple(
        (WORK / "logs" / f"beat{n}.log").read_text(errors="replace").count("Sending due task") for n in (1, 2)
    )


def throttle_across_nodes(logins: int) -> dict:
    """Failed logins alternate between the two nodes, bypassing the balancer: one count for both.

    Each attempt names another account, as a password sprayer would, so that django-axes' per-account
    lockout never answers first: what stops them is the throttle per address, counted in Redis."""
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"].split("/")[0])
    served = Counter()
    for attempt in range(1, 2 * limit + 1):
        node = (NODE_1, NODE_2)[attempt % 2]
        tally.requests += 1
        response = requests.post(
            f"{node}/api/v1/auth/token/",
            json={"username": f"multinode-nobody-{attempt}", "password": "wrong"},
            timeout=10,
        )
        if response.status_code == 429:
            assert response.json()["error"]["code"] == "throttled", response.text[:300]
            break
        assert response.status_code in (400, 401), response.text[:300]
        served[node] += 1
    else:
        raise AssertionError(f"no 429 after {2 * limit} failed logins over two nodes")
    assert logins + sum(served.values()) == limit, (logins, served, limit)
    assert all(0 < n < limit for n in (served[NODE_1], served[NODE_2])), served
    return {
        "limit": limit,
        "logins": logins,
        "node 1": served[NODE_1],
        "node 2": served[NODE_2],
        "429 at": attempt,
    }


def upload(client: Client, request_id: int, *, base: str = BALANCER) -> list[dict]:
    return [
        client.call(
            "POST",
            f"/api/v1/financing-requests/{request_id}/documents/",
            base=base,
            data={"kind": kind},
            files={"file": (f"{kind}.pdf", PDFS[kind], "application/pdf")},
        ).json()
        for kind in ("business_plan", "financial_statements")
    ]


def draft(applicant: Client, enterprise_id: int, purpose: str) -> dict:
    return applicant.post(
        "/api/v1/financing-requests/",
        {
            "enterprise": enterprise_id,
            "purpose": purpose,
            "amount": "3000000",
            "term_months": 24,
            "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
        },
    )


def main() -> None:
    started = time.monotonic()
    wait_ready()
    receiver = Receiver()
    applicant, coordinator, bank = (login(u) for u in ("demo-applicant", "demo-coordinator", "demo-bank"))
    throttle = throttle_across_nodes(logins=3)

    enterprise_id = applicant.get("/api/v1/me/")["enterprises"][0]["id"]
    for copy in ("a", "b"):
        applicant.post(
            "/api/v1/webhooks/",
            {"url": f"{receiver.url}?copy={copy}", "party": "enterprise", "party_id": enterprise_id},
        )
    bank.post("/api/v1/webhooks/", {"url": f"{receiver.url}?copy=bank", "party": "institution"})

    # A second request left in triage, its deadlines pulled into the past: the beat's sweep fires them.
    waiting = draft(applicant, enterprise_id, "Multinode: waits in triage")
    upload(applicant, waiting["id"])
    applicant.post(f"/api/v1/financing-requests/{waiting['id']}/submit/")
    due_now = Deadline.objects.filter(request_id=waiting["id"], state="pending")
    deadline_ids = list(due_now.values_list("pk", flat=True))
    assert deadline_ids, "the submitted request has no deadlines"
    due_now.update(due_at=timezone.now() - timedelta(minutes=1))

    rid = draft(applicant, enterprise_id, "Multinode: the journey")["id"]
    # Uploaded through node 1, downloaded through node 2: the documents are on the shared storage.
    documents = upload(applicant, rid, base=NODE_1)
    for document in documents:
        body = applicant.call(
            "GET", f"/api/v1/financing-requests/{rid}/documents/{document['id']}/download/", base=NODE_2
        ).content
        assert body == PDFS[document["kind"]], body[:40]
    applicant.post(f"/api/v1/financing-requests/{rid}/submit/")

    product = Product.objects.get(institution__members__username="demo-bank", name="科创信用贷")
    request_id_header = uuid.uuid4().hex
    receiver.hold = threading.Event()
    coordinator.post(
        f"/api/v1/financing-requests/{rid}/route/",
        {"products": [product.pk]},
        headers={"X-Request-ID": request_id_header},
    )
    # Both workers are caught mid-delivery (each holds one webhook): kill one, and web node 1.
    wait_until(lambda: receiver.in_flight >= 2, timeout=60, message="both workers to hold a webhook")
    kill("worker1")
    kill("web1")
    receiver.hold.set()
    receiver.hold = None

    referral = next(r for r in bank.get("/api/v1/referrals/")["results"] if r["request"] == rid)
    bank.post(f"/api/v1/referrals/{referral['id']}/open/")
    offer = bank.post(
        f"/api/v1/referrals/{referral['id']}/offer/",
        {
            "amount": referral["tranche_amount"],
            "annual_rate": "0.0310",
            "term_months": 24,
            "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    applicant.post(f"/api/v1/offers/{offer['id']}/accept/")
    coordinator.post(f"/api/v1/financing-requests/{rid}/approve/")
    bank.post(f"/api/v1/financing-requests/{rid}/record-funding/")
    assert coordinator.post(f"/api/v1/financing-requests/{rid}/close/")["status"] == "closed"
    journey_done = time.monotonic()

    def settled() -> bool:
        return (
            not Deadline.objects.filter(pk__in=deadline_ids, state="pending").exists()
            and not OutboxMessage.objects.filter(state="pending").exists()
            and not Delivery.objects.filter(state__in=["pending", "sending"]).exists()
        )

    wait_until(settled, timeout=180, interval=1, message="every deadline fired and every delivery sent")

    report = {
        "requests": tally.requests,
        "client retries": tally.retries,
        "idempotent replays": tally.replays,
        "kills": ", ".join(tally.kills) + " (SIGKILL)",
        **check_writes(rid),
        **check_deliveries(receiver),
        **check_deadlines(deadline_ids),
        **check_beats(),
        "auth throttle across nodes": throttle,
        "documents across nodes": f"{len(documents)} uploaded via node 1, downloaded via node 2",
        **check_request_id(rid, request_id_header),
        **check_metrics(),
        "journey seconds": round(journey_done - started, 1),
        "total seconds": round(time.monotonic() - started, 1),
    }
    receiver.close()
    width = max(len(k) for k in report)
    print("\nmulti-node results")
    for name, value in report.items():
        print(f"  {name:<{width}}  {value}")


# The transition each successful POST stands for: (object type, action) in the audit trail.
TRANSITIONS = {
    "submit": ("financing_request", "submit"),
    "route": ("financing_request", "route"),
    "open": ("referral", "open"),
    "offer": ("offer", "make"),
    "accept": ("offer", "accept"),
    "approve": ("financing_request", "approve"),
    "record-funding": ("financing_request", "record_funding"),
    "close": ("financing_request", "close"),
}


def in_database(path: str, body: dict, events: Counter) -> bool:
    step = path.rstrip("/").rsplit("/", 1)[-1]
    if path == "/api/v1/auth/token/":
        return user_for_key(body["token"])[0] is not None
    if path == "/api/v1/webhooks/":
        return WebhookSubscription.objects.filter(pk=body["id"]).exists()
    if path == "/api/v1/financing-requests/":
        return FinancingRequest.objects.filter(pk=body["id"], reference=body["reference"]).exists()
    if step == "documents":
        document = RequestDocument.objects.filter(pk=body["id"]).first()
        return document is not None and default_storage.exists(document.file.name)
    request_id = body.get("request") or body.get("id")
    return events[(request_id, *TRANSITIONS[step])] == 1


def check_writes(rid: int) -> dict:
    """Every write the client saw succeed is in the database, and no transition was applied twice."""
    events = Counter(TransitionEvent.objects.values_list("request_id", "object_type", "action"))
    lost = [(path, body) for path, body in tally.writes if not in_database(path, body, events)]
    assert not lost, f"writes the client saw succeed but the database does not hold (or holds twice): {lost}"
    doubled = {key: n for key, n in events.items() if n > 1}
    assert not doubled, f"transitions applied twice: {doubled}"
    assert FinancingRequest.objects.get(pk=rid).status == "closed"
    found = len(tally.writes) - len(lost)
    return {"writes seen by the client / found in the database": f"{len(tally.writes)} / {found}"}


def check_deliveries(receiver: Receiver) -> dict:
    deliveries = Delivery.objects.exclude(state="digest")
    assert not deliveries.exclude(state="sent").exists(), list(deliveries.exclude(state="sent").values())
    inbox = list(deliveries.filter(channel="inbox").values_list("key", flat=True))
    notifications = Counter(
        Notification.objects.filter(delivery_key__in=inbox).values_list("delivery_key", flat=True)
    )
    assert all(notifications[key] == 1 for key in inbox), "an inbox notification is missing or doubled"
    duplicates = sum(n - 1 for n in notifications.values())

    hooks = list(deliveries.filter(channel="webhook").values_list("key", flat=True))
    arrivals = Counter(r.headers.get("X-TechFin-Delivery") for r in receiver.received)
    acknowledged = {key: receiver.acknowledged(key) for key in hooks}
    assert all(n == 1 for n in acknowledged.values()), (
        f"webhooks not acknowledged exactly once: {acknowledged}"
    )
    assert set(arrivals) <= set(hooks), "the receiver got a delivery id the database does not know"

    mails = list(deliveries.filter(channel="email").values_list("key", flat=True))
    sent_ids = Counter(message_ids(Path(settings.EMAIL_FILE_PATH)))
    written = [sent_ids[mail_id(key)] for key in mails]
    assert all(written), f"e-mails never written: {[k for k, n in zip(mails, written, strict=True) if not n]}"
    ok_twice = (
        DeliveryAttempt.objects.filter(ok=True)
        .values("delivery")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    assert ok_twice == 0, "a delivery was recorded as sent twice"
    return {
        "inbox notifications (expected / delivered / duplicates)": f"{len(inbox)} / {len(notifications)} / "
        f"{duplicates}",
        "webhooks (expected / delivered / acknowledged twice)": f"{len(hooks)} / "
        f"{sum(1 for n in acknowledged.values() if n)} / {sum(1 for n in acknowledged.values() if n > 1)}",
        "webhook redeliveries (same delivery id arrived again)": sum(n - 1 for n in arrivals.values()),
        "e-mails (expected / delivered / redelivered)": f"{len(mails)} / {sum(1 for n in written if n)} / "
        f"{sum(n - 1 for n in written if n)}",
    }


def mail_id(key: str) -> str:
    return f"<{key.replace(':', '.')}@techfin.invalid>"


def message_ids(folder: Path) -> list[str]:
    """Message-IDs of every e-mail the file backend wrote (messages separated by a line of 79 dashes)."""
    ids = []
    for path in folder.glob("*.log"):
        for chunk in re.split(rb"\n-{79}\n", path.read_bytes()):
            if chunk.strip():
                ids.append(email.message_from_bytes(chunk)["Message-ID"])
    return ids


def check_deadlines(deadline_ids: list[int]) -> dict:
    fired = list(Deadline.objects.filter(pk__in=deadline_ids, state="fired"))
    notices = Counter(
        (m.payload["object_type"], m.payload["object_id"], m.payload["kind"], m.payload["due_at"])
        for m in OutboxMessage.objects.filter(topic__startswith="deadline.")
    )
    twice = {k: n for k, n in notices.items() if n > 1}
    assert not twice, f"deadlines fired twice: {twice}"
    for deadline in fired:
        if deadline.kind != "expire":
            key = (deadline.object_type, deadline.object_id, deadline.kind, deadline.due_at.isoformat())
            assert notices[key] == 1, key
    return {"deadlines (due / fired / fired twice)": f"{len(deadline_ids)} / {len(fired)} / {len(twice)}"}


def check_beats() -> dict:
    sent = beat_lines()
    assert sent.count(0) == 1, f"tasks sent by beat 1 and beat 2: {sent} (exactly one beat must send)"
    assert beat_lock(), "no redbeat lock held"
    return {"beat tasks sent (beat 1 / beat 2)": f"{sent[0]} / {sent[1]}"}


def check_request_id(rid: int, request_id_header: str) -> dict:
    routed = OutboxMessage.objects.filter(request_id=rid, topic__endswith=".route")
    assert routed.exists() and all(m.correlation_id == request_id_header for m in routed), list(
        routed.values_list("topic", "correlation_id")
    )
    logged = sum(
        (WORK / "logs" / f"worker{n}.log").read_text(errors="replace").count(f"[{request_id_header}]")
        for n in (1, 2)
    )
    assert logged, "no worker log line carries the request id"
    return {"request id in outbox messages / worker log lines": f"{routed.count()} / {logged}"}


def check_metrics() -> dict:
    anonymous = requests.get(f"{BALANCER}/metrics", timeout=10)
    assert anonymous.status_code == 404, anonymous.status_code
    scraped = requests.get(
        f"{BALANCER}/metrics", headers={"Authorization": f"Bearer {settings.METRICS_TOKEN}"}, timeout=10
    )
    assert scraped.status_code == 200
    gauges = dict(
        line.rsplit(" ", 1)
        for line in scraped.text.splitlines()
        if line.startswith("techfin_") and " " in line
    )
    assert float(gauges["techfin_outbox_backlog"]) == 0, gauges
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in scraped.text
    return {
        "metrics without token / with token": f"{anonymous.status_code} / {scraped.status_code}",
        **gauges,
    }


if __name__ == "__main__":
    main()
