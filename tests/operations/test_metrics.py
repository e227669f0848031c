"""/metrics: aggregates by view name and closed label sets, never an id or anything a reporter wrote."""

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client

from longarm.core.throttle import Limit, is_exceeded, record_failure
from longarm.operations.metrics import exposition
from tests.conftest import Cast, log_in

pytestmark = pytest.mark.django_db

MONITOR = {"REMOTE_ADDR": "127.0.0.1"}


def scrape(client: Client) -> str:
    response = client.get("/metrics", **MONITOR)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.content.decode()


def label_values(text: str) -> set[str]:
    return {
        value for labels in re.findall(r"\{([^}]*)\}", text) for value in re.findall(r'="([^"]*)"', labels)
    }


def test_requests_are_counted_by_view_name(client: Client) -> None:
    client.get("/")
    client.get("/")
    text = scrape(client)
    assert re.search(
        r'longarm_http_requests_total\{method="GET",status="2xx",view="intake:home"\} [2-9]', text
    )
    assert 'longarm_http_request_seconds_bucket{le="0.01",view="intake:home"}' in text


def test_no_label_value_is_an_id_or_a_path(client: Client, cast: Cast) -> None:
    secret_ids = [str(uuid.uuid4()) for _ in range(3)] + ["918273645", "wxid_zz_secret"]
    log_in(client, cast.caseworker)
    for value in secret_ids:
        client.get(f"/console/cases/{value}/")
        client.get(f"/console/reports/{value}/")
        client.get(f"/{value}/")
        client.generic("PROPFIND", f"/console/{value}/")
    text = scrape(client)
    for value in secret_ids:
        assert value not in text
    values = label_values(text)
    assert all("/" not in value for value in values), values
    assert all(not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", value) for value in values)
    assert 'method="other"' in text


def test_rate_limit_trips_are_counted_by_scope(client: Client) -> None:
    limit = Limit(
        scope="receipt-session", key="k", maximum=1, window=__import__("datetime").timedelta(hours=1)
    )
    record_failure(limit)
    assert is_exceeded(limit)
    assert re.search(r'longarm_rate_limit_trips_total\{scope="receipt-session"\} [1-9]', scrape(client))


def test_state_figures_are_read_at_scrape_time(client: Client) -> None:
    text = scrape(client)
    for name in (
        "longarm_task_queue_waiting",
        "longarm_task_queue_lag_seconds",
        "longarm_task_failures",
        "longarm_audit_chain_length",
    ):
        assert re.search(rf"^{name} \d", text, re.M), name


def test_processes_sharing_a_directory_are_counted_together(tmp_path: Path) -> None:
    # What `longarm serve` arranges: each gunicorn worker counts into the shared directory.
    script = (
        "from longarm.operations.metrics import REQUESTS\n"
        "REQUESTS.labels(view='intake:home', method='GET', status='2xx').inc(3)\n"
    )
    for _ in range(2):
        subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
            [sys.executable, "-c", script],
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": ":".join(sys.path)},
            check=True,
        )
    text = exposition(multiprocess_dir=str(tmp_path)).decode()
    assert 'longarm_http_requests_total{method="GET",status="2xx",view="intake:home"} 6.0' in text
