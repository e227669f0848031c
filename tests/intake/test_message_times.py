"""Issue 11: the time a reporter wrote is kept to the day, staff messages to the minute."""

from datetime import time

import pytest
from django.test import Client

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
