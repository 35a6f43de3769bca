"""Prometheus metrics: django-prometheus's request metrics plus backlog gauges computed at scrape time.

The gauges are a few indexed counts and one queue-length call per queue, run only when Prometheus
scrapes, so an idle deployment costs nothing. Who may scrape is a setting: client addresses
(`METRICS_ALLOWED_IPS`) or a bearer token (`METRICS_TOKEN`); anyone else gets a 404.
"""

import hmac
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)


class BacklogCollector:
    """Outbox backlog, undelivered deliveries, overdue deadlines and broker queue depth."""

    def collect(self) -> Iterator[Metric]:
        from coordination.choices import DeadlineState
        from coordination.models import Deadline, Delivery, OutboxMessage

        yield GaugeMetricFamily(
            "techfin_outbox_backlog",
            "Outbox messages not yet fanned out to deliveries.",
            value=OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).count(),
        )
        undelivered = GaugeMetricFamily(
            "techfin_deliveries_undelivered",
            "Deliveries not delivered, by state (dead letters included).",
            labels=["state"],
        )
        counts = dict(
            Delivery.objects.filter(
                state__in=[Delivery.State.PENDING, Delivery.State.SENDING, Delivery.State.DEAD]
            )
            .values_list("state")
            .annotate(n=Count("id"))
            .values_list("state", "n")
        )
        for state in (Delivery.State.PENDING, Delivery.State.SENDING, Delivery.State.DEAD):
            undelivered.add_metric([state], counts.get(state, 0))
        yield undelivered
        yield GaugeMetricFamily(
            "techfin_deadlines_overdue",
            "Pending deadlines whose time has passed (the sweep has not fired them yet).",
            value=Deadline.objects.filter(state=DeadlineState.PENDING, due_at__lte=timezone.now()).count(),
        )
        depth = GaugeMetricFamily(
            "techfin_queue_depth", "Messages waiting in a broker queue.", labels=["queue"]
        )
        for queue, size in queue_depths(settings.METRICS_QUEUES).items():
            depth.add_metric([queue], size)
        yield depth


def queue_depths(queues: list[str]) -> dict[str, float]:
    """Messages waiting per queue; NaN when the broker cannot be asked (a scrape must not fail)."""
    from config.celery import app

    sizes: dict[str, float] = {}
    try:
        with app.connection_for_read() as connection:
            channel = connection.default_channel
            for queue in queues:
                try:
                    sizes[queue] = channel.queue_declare(queue=queue, passive=True).message_count
                except connection.channel_errors:
                    sizes[queue] = 0  # never declared: nothing has been sent to it
    except Exception:  # noqa: BLE001 - a broker outage shows as NaN, /readyz reports it
        logger.warning("broker unavailable; queue depth not measured")
        sizes = dict.fromkeys(queues, float("nan"))
    return sizes


_backlog = CollectorRegistry(auto_describe=False)
_backlog.register(BacklogCollector())


def may_read(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    # The peer's own address: a forwarded header is the client's to write, so it grants nothing.
    return request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS


def export(request: HttpRequest) -> HttpResponse:
    if not may_read(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several gunicorn workers: add up what each process wrote to the shared folder.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(
        generate_latest(registry) + generate_latest(_backlog), content_type=CONTENT_TYPE_LATEST
    )
