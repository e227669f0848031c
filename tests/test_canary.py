"""The canary test (DESIGN §6.1): plant unique strings in every field a reporter and staff can fill, in the
receipt, in messages and in the request's address and user agent, then look for them everywhere Longarm
writes: every byte of the SQLite files (or every row of every PostgreSQL table), the data and storage
directories, and every log record. Not one may appear."""

import logging
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from longarm.evidence import object_store
from longarm.intake.models import Report
from tests.conftest import Cast, log_in
from tests.gate.helpers import gate_fields
from tests.intake.helpers import report_answers, submit_answers

TEXT_FIELDS = [
    "what_happened",
    "tactic_other",
    "relatives_at_risk",
    "perpetrator_names",
    "perpetrator_phone_numbers",
    "perpetrator_wechat_ids",
    "perpetrator_badge_numbers",
    "perpetrator_other",
    "contact",
]
CANARY_ADDRESS = "198.51.100.213"
CANARY_AGENT = "CanaryBrowser/9.9-" + secrets.token_hex(6)


def canary(name: str) -> str:
    return f"cnry{name.replace('_', '')}{secrets.token_hex(8)}"


def stored_bytes() -> bytes:
    """Everything Longarm has written to disk, database or evidence bucket, as one byte string to search."""
    chunks: list[bytes] = []
    roots = {Path(settings.DATA_DIR), Path(settings.STORAGE_DIR), Path(settings.KEYS_DIR)}
    for root in roots:
        if root.exists():
            chunks.extend(path.read_bytes() for path in root.rglob("*") if path.is_file())
    bucket = object_store.configured_bucket()
    if bucket is not None:
        # Keys as well as contents: the bucket's listing is what its operator sees first.
        for key, _ in object_store.list_objects(bucket):
            chunks.append(key.encode())
            chunks.extend(object_store.read_object(bucket, key, iter(lambda: 1024 * 1024, 0)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names come from introspection
                for row in cursor.fetchall():
                    for value in row:
                        chunks.append(
                            bytes(value) if isinstance(value, memoryview | bytes) else str(value).encode()
                        )
    return b"\n".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_no_canary_appears_in_database_files_or_logs(cast: Cast, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = {field: canary(field) for field in TEXT_FIELDS}
    reporter = Client(REMOTE_ADDR=CANARY_ADDRESS, HTTP_USER_AGENT=CANARY_AGENT)
    receipt = submit_answers(reporter, report_answers(tactics=["other", "told_to_return"], **canaries))
    reporter_message, staff_reply = canary("reportermessage"), canary("staffreply")

    opened = reporter.post(
        reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields("receipt")}, follow=True
    )
    assert canaries["what_happened"] in opened.content.decode()
    reporter.post(reverse("intake:mailbox"), {"text": reporter_message})

    staff = Client(REMOTE_ADDR=CANARY_ADDRESS, HTTP_USER_AGENT=CANARY_AGENT)
    log_in(staff, cast.caseworker)
    report = Report.objects.get()
    read = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert reporter_message in read
    staff.post(reverse("cases:report", args=[report.public_id]), {"text": staff_reply})
    assert staff_reply in reporter.get(reverse("intake:mailbox")).content.decode()
    # Errors are logged too: provoke one with a canary in the path and query.
    reporter.get(f"/no-such-page-{canary('path')}/?q={canary('query')}")

    haystack = stored_bytes()
    logs = "\n".join(record.getMessage() + str(record.args) for record in caplog.records).encode()
    grouped = " ".join(receipt[i : i + 4] for i in range(0, 20, 4))
    needles = [
        *canaries.values(),
        reporter_message,
        staff_reply,
        receipt,
        grouped,
        CANARY_ADDRESS,
        CANARY_AGENT,
    ]
    for needle in needles:
        assert needle.encode() not in haystack, f"{needle!r} is stored in clear"
        assert needle.encode() not in logs, f"{needle!r} was logged"
    assert len(haystack) > 10_000, "the scan read nothing: is the database file where the test thinks it is?"
