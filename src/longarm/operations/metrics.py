"""Prometheus metrics (prometheus-client): aggregates only.

Labels are view names, methods, status classes, limit scopes and evidence kinds — closed sets chosen by the
code. A label value is never a report, case, person or identifier id, nor anything a reporter wrote
(tests/operations/test_metrics.py scrapes after traffic full of ids and checks). Under `longarm serve`, the
gunicorn workers and the task worker share one multiprocess directory (PROMETHEUS_MULTIPROC_DIR, set by
the `longarm` script), so a scrape of any one process counts them all.
"""

from collections.abc import Iterator

from django.db.models import Count, Max
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from longarm.operations.queue import queue_state

REQUESTS = Counter(
    "longarm_http_requests",
    "Requests answered, by view name, method and status class.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "longarm_http_request_seconds",
    "Time to answer a request, by view name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
RATE_LIMIT_TRIPS = Counter(
    "longarm_rate_limit_trips", "Attempts refused by a rate limit, by limit.", ["scope"]
)


class _StateCollector(Collector):
    """Figures read from the database at scrape time, so every process reports the same."""

    def collect(self) -> Iterator[Metric]:
        from longarm.audit.models import AuditCheckpoint, AuditEvent
        from longarm.evidence.models import EvidenceItem, EvidenceStatus

        queue = queue_state()
        yield GaugeMetricFamily(
            "longarm_task_queue_waiting", "Background tasks waiting.", value=queue.waiting
        )
        yield GaugeMetricFamily(
            "longarm_task_queue_lag_seconds",
            "How long the oldest runnable task has waited.",
            value=queue.lag_seconds,
        )
        yield GaugeMetricFamily(
            "longarm_task_failures", "Background tasks recorded as failed.", value=queue.failed
        )
        failures = GaugeMetricFamily(
            "longarm_evidence_failures",
            "Evidence items whose processing failed, by kind of file.",
            labels=["kind"],
        )
        by_kind = (
            EvidenceItem.objects.filter(status=EvidenceStatus.FAILED).values("kind").annotate(n=Count("id"))
        )
        for row in by_kind.order_by("kind"):
            failures.add_metric([row["kind"]], row["n"])
        yield failures
        # Events are only ever appended, so the newest id is the chain's length: an index lookup, where a
        # count(*) would read millions of rows on every scrape.
        newest = AuditEvent.objects.aggregate(newest=Max("id"))["newest"] or 0
        yield GaugeMetricFamily("longarm_audit_chain_length", "Events in the audit chain.", value=newest)
        last = AuditCheckpoint.objects.aggregate(last=Max("created_at"))["last"]
        age = GaugeMetricFamily(
            "longarm_audit_checkpoint_age_seconds",
            "Time since the last signed audit checkpoint (absent: none yet).",
        )
        if last is not None:
            age.add_metric([], (timezone.now() - last).total_seconds())
        yield age


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(*, multiprocess_dir: str | None) -> bytes:
    """The text a Prometheus scrape reads."""
    registry = CollectorRegistry()
    if multiprocess_dir:
        MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]  # untyped upstream
    else:
        registry.register(_ThisProcess())
    registry.register(_StateCollector())
    return generate_latest(registry)
