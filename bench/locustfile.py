"""The mixed load of bench/load.py (locust, headless, loopback): who does what, and in which proportions.

MIX is the one statement of the proportions: each role's share of the virtual users (locust's class
weight) and, within a role, each operation's share of its tasks. bench/README.md prints the same table
(tests/test_bench_locustfile.py checks they agree). Besides the mix, one `bare` user calls the bare
endpoint of bench/bench_urls.py (the API's authentication, permission and throttle, no work) four times a
second: the floor every operation is compared with, in the same run.

The actors (API tokens, enterprises, requests to route) come from the JSON file named by
BENCH_LOAD_ACTORS, written by bench/load.py; the number of queries each response declares
(`X-Bench-Queries`, bench/settings.py) is written per operation to BENCH_LOAD_QUERIES when the run ends.
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache

from locust import FastHttpUser, between, constant, events, task

API = "/api/v1"
BARE = "/bench/bare/"
# Scales every think time and polling interval: the load falls with it while every role stays in the mix
# (fewer users than roles would leave some roles out).
THINK = float(os.environ.get("BENCH_THINK", "1"))

MIX: dict[str, dict] = {
    "applicant": {"weight": 40, "tasks": {"create_and_submit": 1, "list": 2, "read": 3}},
    "reviewer": {"weight": 25, "tasks": {"list": 3, "read": 3, "open": 1}},
    "coordinator": {"weight": 15, "tasks": {"queue": 3, "route": 1}},
    "platform": {"weight": 10, "tasks": {"poll_requests": 1}},
    "institution_system": {"weight": 10, "tasks": {"poll_referrals": 1, "poll_offers": 1}},
}


@cache
def actors() -> dict:
    with open(os.environ["BENCH_LOAD_ACTORS"], encoding="utf-8") as handle:
        return json.load(handle)


@cache
def routing_pool() -> list[int]:
    """Requests in triage for the coordinators to route, each routed once (gevent: no two pops race)."""
    return list(actors()["triage"])


_queries: dict[str, list[int]] = defaultdict(list)


@events.request.add_listener
def _count_queries(name, response, exception, **_kwargs) -> None:
    value = response.headers.get("X-Bench-Queries") if response is not None and not exception else None
    if value:
        _queries[name].append(int(value))


@events.quitting.add_listener
def _write_queries(**_kwargs) -> None:
    path = os.environ.get("BENCH_LOAD_QUERIES")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(_queries, handle)


def _weights(role: str) -> dict[str, int]:
    return MIX[role]["tasks"]


class Actor(FastHttpUser):
    abstract = True
    wait_time = between(1 * THINK, 3 * THINK)  # between two operations of one person
    role = ""

    def on_start(self) -> None:
        self.me = random.choice(actors()[self.role])

    def call(self, method: str, path: str, name: str, expect: tuple[int, ...] = (200,), **kwargs):
        headers = {"Authorization": f"Bearer {self.me['token']}"}
        with self.client.request(
            method, API + path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                return None
            response.success()  # an expected refusal (a 409 in `expect`) is not an error
            return response.json()


class Applicant(Actor):
    """An enterprise's member: creates and submits requests (no documents: screening asks for them),
    lists its requests and reads one."""

    weight = MIX["applicant"]["weight"]
    role = "applicant"

    def on_start(self) -> None:
        super().on_start()
        self.mine = list(self.me["requests"])

    @task(_weights("applicant")["create_and_submit"])
    def create_and_submit(self) -> None:
        body = {
            "enterprise": self.me["enterprise"],
            "purpose": "Pilot production line",
            "amount": "3000000",
            "term_months": 24,
            "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
        }
        created = self.call("POST", "/financing-requests/", "applicant: create", (201,), json=body)
        if created:
            self.mine.append(created["id"])
            self.call("POST", f"/financing-requests/{created['id']}/submit/", "applicant: submit")

    @task(_weights("applicant")["list"])
    def list(self) -> None:
        self.call("GET", "/financing-requests/?page_size=20", "applicant: list")

    @task(_weights("applicant")["read"])
    def read(self) -> None:
        self.call("GET", f"/financing-requests/{random.choice(self.mine)}/", "applicant: read")


class Reviewer(Actor):
    """An institution's reviewer: lists its referrals, reads one, opens one not opened yet."""

    weight = MIX["reviewer"]["weight"]
    role = "reviewer"

    def on_start(self) -> None:
        super().on_start()
        self.listed: list[dict] = []

    @task(_weights("reviewer")["list"])
    def list(self) -> None:
        page = self.call("GET", "/referrals/", "reviewer: list")
        if page:
            self.listed = page["results"]

    @task(_weights("reviewer")["read"])
    def read(self) -> None:
        if not self.listed:
            return self.list()
        self.call("GET", f"/referrals/{random.choice(self.listed)['id']}/", "reviewer: read")

    @task(_weights("reviewer")["open"])
    def open(self) -> None:
        sent = [row for row in self.listed if row["status"] == "sent"]
        if not sent:
            return self.list()
        referral = sent[0]
        referral["status"] = "reviewing"
        # Another reviewer of the same institution may have opened it since the list: 409, not an error.
        self.call("POST", f"/referrals/{referral['id']}/open/", "reviewer: open", (200, 409), json={})


class Coordinator(Actor):
    """A regional coordinator: lists its queues, reads the matcher's proposal and routes to it."""

    weight = MIX["coordinator"]["weight"]
    role = "coordinator"

    @task(_weights("coordinator")["queue"])
    def queue(self) -> None:
        status = random.choice(["triage", "info_requested", "routed"])
        self.call("GET", f"/financing-requests/?status={status}", "coordinator: queue")

    @task(_weights("coordinator")["route"])
    def route(self) -> None:
        pool = routing_pool()
        if not pool:
            return self.queue()
        request_id = pool.pop()
        self.call("GET", f"/financing-requests/{request_id}/proposal/", "coordinator: proposal")
        self.call("POST", f"/financing-requests/{request_id}/route/", "coordinator: route", json={})


def _since(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Platform(Actor):
    """A local platform's system polling the requests of its region with filters (integration token)."""

    weight = MIX["platform"]["weight"]
    role = "platform"
    wait_time = constant(2 * THINK)

    @task(_weights("platform")["poll_requests"])
    def poll_requests(self) -> None:
        query = f"status=triage&status=routed&region={self.me['region']}&created_after={_since(30)}"
        self.call("GET", f"/financing-requests/?{query}", "platform: poll requests")


class InstitutionSystem(Actor):
    """An institution's system polling its new referrals and its open offers (integration token)."""

    weight = MIX["institution_system"]["weight"]
    role = "institution_system"
    wait_time = constant(2 * THINK)

    @task(_weights("institution_system")["poll_referrals"])
    def poll_referrals(self) -> None:
        query = f"status=sent&status=reviewing&instrument=credit_loan&created_after={_since(30)}"
        self.call("GET", f"/referrals/?{query}", "institution system: poll referrals")

    @task(_weights("institution_system")["poll_offers"])
    def poll_offers(self) -> None:
        self.call("GET", "/offers/?status=open", "institution system: poll offers")


class Bare(FastHttpUser):
    """The floor: the bare endpoint, four times a second, with a coordinator's token."""

    fixed_count = 1
    wait_time = constant(0.25)

    @task
    def bare(self) -> None:
        headers = {"Authorization": f"Bearer {actors()['bare']}"}
        self.client.get(BARE, name="bare", headers=headers)
