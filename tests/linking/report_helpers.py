"""Reports submitted through the reporter site with their outbox delivered, as the worker would."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.conf import settings
from django.test import Client

from longarm.intake.models import Report
from tests.intake.helpers import submit_report

Processing = Callable[[], AbstractContextManager[None]]

NO_IDENTIFIERS = {
    "perpetrator_names": "",
    "perpetrator_phone_numbers": "",
    "perpetrator_wechat_ids": "",
    "perpetrator_badge_numbers": "",
}


def arrived(processing: Processing, *, language: str = "", **answers: Any) -> Report:
    """A report typed by a reporter of its own (a fresh browser, in ``language`` if given), its
    ``report.submitted`` delivered. Only the identifiers given in ``answers`` are typed."""
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with processing():
        submit_report(client, **{**NO_IDENTIFIERS, **answers})
    return Report.objects.latest("id")
