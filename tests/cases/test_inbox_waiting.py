"""The inbox's "waiting for us first" order: the same order as sorting every report by who wrote last and
what the reader has read, but walked from indexes of each report's kept thread state (issue 21)."""

import os
import random
import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import connection

from longarm.accounts.models import StaffUser
from longarm.cases.inbox import InboxForm, inbox_paginator
from longarm.cases.paging import serial_reads
from longarm.intake.models import (
    KeyKind,
    Message,
    MessageAuthor,
    ReadMark,
    RecipientKind,
    Report,
    SealedKey,
    Urgency,
)
from longarm.intake.selectors import inbox_for_staff, waiting_segments
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def synthetic_report(staff: StaffUser, urgency: str) -> Report:
    report = Report.objects.create(
        received_on=date(2026, 3, 1),
        consent="review",
        statistics_consent=False,
        receipt_lookup_hash=os.urandom(32),
        reporter_salt=os.urandom(16),
        reporter_public_key=os.urandom(32),
        answers_ciphertext=b"a",
        identity_ciphertext=b"i",
        urgency=urgency,
    )
    SealedKey.objects.create(
        report=report, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=staff, sealed=b"k"
    )
    return report


def write(report: Report, author: str) -> Message:
    return Message.objects.create(
        public_id=uuid.uuid4(),
        report=report,
        author_kind=author,
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        ciphertext=b"m",
    )


def reference_order(user: StaffUser) -> list[int]:
    """What the inbox showed before the thread state was kept: every report's messages read, sorted on
    (reporter wrote last, has a reporter's message after the reader's mark) descending, urgency, newest."""
    marks = dict(ReadMark.objects.filter(staff=user).values_list("report_id", "seen_up_to"))
    keys = []
    for report in Report.objects.filter(sealed_keys__staff=user):
        thread = list(report.messages.order_by("position"))
        waiting = bool(thread) and thread[-1].author_kind == MessageAuthor.REPORTER
        unread = any(
            message.author_kind == MessageAuthor.REPORTER and message.position > marks.get(report.pk, 0)
            for message in thread
        )
        keys.append((not waiting, not unread, report.urgency, -report.pk))
    return [-key[3] for key in sorted(keys)]


def every_page(user: StaffUser, per_page: int) -> list[int]:
    form = InboxForm({"order": "waiting"})
    shown: list[int] = []
    number = 1
    while True:
        paginator = inbox_paginator(user=user, form=form, number=str(number))
        paginator.per_page = per_page
        paginator.limit = 2 * per_page + 1
        page = paginator.get_page(number)
        shown += [report.pk for report in page.object_list]
        if not page.has_next():
            return shown
        number += 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_waiting_order_is_the_order_of_every_reports_messages_and_read_marks(
    cast: Cast, seed: int
) -> None:
    rng = random.Random(seed)
    reader, other = cast.caseworker, cast.investigator
    for _ in range(40):
        report = synthetic_report(reader, rng.choice(list(Urgency)))
        for author in rng.choice(
            [[], ["reporter"], ["reporter", "staff"], ["reporter", "staff", "reporter"]]
        ):
            write(report, author)
        newest = report.messages.order_by("-position").values_list("position", flat=True).first()
        if newest and rng.random() < 0.5:
            # Read now, or before the last message came (a stale mark); the other reader's marks are not ours.
            seen = newest if rng.random() < 0.6 else newest - 1
            ReadMark.objects.create(staff=rng.choice([reader, reader, other]), report=report, seen_up_to=seen)
    synthetic_report(other, Urgency.CRITICAL)  # not sealed to the reader
    expected = reference_order(reader)
    assert len(expected) == 40
    for per_page in (1, 3, 7, 50):
        assert every_page(reader, per_page) == expected, per_page
    # A deep page requested directly (the parts before it counted, not read).
    form = InboxForm({"order": "waiting"})
    paginator = inbox_paginator(user=reader, form=form, number="5")
    paginator.per_page, paginator.limit = 7, 15
    assert [report.pk for report in paginator.get_page(5).object_list] == expected[28:35]


def test_the_thread_state_follows_every_message_written_or_removed(cast: Cast) -> None:
    report = synthetic_report(cast.caseworker, Urgency.NORMAL)

    def state() -> tuple[bool, int | None]:
        report.refresh_from_db()
        return report.awaiting_reply, report.last_reporter_message

    assert state() == (False, None)
    first = write(report, MessageAuthor.REPORTER)
    assert state() == (True, first.position)
    answer = write(report, MessageAuthor.STAFF)
    assert state() == (False, first.position)
    again = write(report, MessageAuthor.REPORTER)
    assert state() == (True, again.position)
    assert (first.position, answer.position, again.position) == (1, 2, 3)
    again.delete()
    assert state() == (False, first.position)
    answer.delete()
    assert state() == (True, first.position)


def plan(sql: str, params: tuple[object, ...]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tables of a few rows: make the planner show the path it takes on large ones.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_each_part_of_the_waiting_order_walks_an_index_without_sorting(cast: Cast) -> None:
    """Sorting on computed columns read every report the reader holds on each view; each part of the order
    must come from an index in order, so that a page stops after its rows."""
    for urgency in Urgency:
        write(synthetic_report(cast.caseworker, urgency), MessageAuthor.REPORTER)
    segments = waiting_segments(reports=inbox_for_staff(user=cast.caseworker), user=cast.caseworker)
    indexes = ["report_waiting_order", "report_waiting_order", "report_answered_order", "report_inbox_order"]
    with serial_reads():
        for segment, index in zip(segments, indexes, strict=True):
            sql, params = segment.values_list("pk", flat=True)[:251].query.sql_with_params()
            shown = plan(sql, params)
            assert index in shown, shown
            assert "TEMP B-TREE" not in shown, shown
            assert "Sort " not in shown, shown
