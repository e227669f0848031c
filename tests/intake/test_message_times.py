"""Issue 11: the time a reporter wrote is kept to the day, staff messages to the minute."""

from datetime import time

import pytest
from django.test import Client

from longarm.core.ids import RANDOM_ID_FLOOR
from longarm.crypto.envelopes import new_data_key
from longarm.intake.models import Report
from longarm.intake.services import message_post
from tests.conftest import Cast
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db


def test_a_reporters_message_is_dated_to_the_day_and_a_staff_message_to_the_minute(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    key = new_data_key()
    from_reporter = message_post(report=report, data_key=key, text="hello", author=None)
    from_staff = message_post(report=report, data_key=key, text="answer", author=cast.caseworker)
    from_reporter.refresh_from_db()
    from_staff.refresh_from_db()
    assert from_reporter.created_at.time() == time(0, 0)
    assert (from_staff.created_at.second, from_staff.created_at.microsecond) == (0, 0)


def test_message_ids_do_not_date_a_reporters_message_by_its_neighbours(cast: Cast) -> None:
    """Ids numbered across every report placed a reporter's message (dated to the day) between staff
    messages of other reports, dated to the minute and chained to the second: they must order nothing."""
    submit_report(Client())
    submit_report(Client())
    first, second = Report.objects.all()
    key = new_data_key()
    written = []
    for _ in range(6):
        written.append(message_post(report=first, data_key=key, text="answer", author=cast.caseworker))
        written.append(message_post(report=second, data_key=key, text="hello", author=None))
    ids = [message.pk for message in written]
    assert min(ids) >= RANDOM_ID_FLOOR
    assert ids != sorted(ids)
    assert ids[::-1] != sorted(ids)
    # Each thread keeps its own order, and only its own.
    assert [message.position for message in written] == [n for n in range(1, 7) for _ in (0, 1)]
    assert [m.author_kind for m in second.messages.all()] == ["reporter"] * 6
    second.refresh_from_db()
    assert second.last_reporter_message == 6
