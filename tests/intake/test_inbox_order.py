import pytest
from django.test import Client

from longarm.intake.models import Report, Urgency
from longarm.intake.selectors import inbox_for_staff
from tests.conftest import Cast
from tests.intake.helpers import submit_report


def test_urgency_codes_sort_in_priority_order() -> None:
    # The inbox orders by the stored code (see ``inbox_for_staff``); a new urgency must keep this true.
    assert sorted(Urgency.values) == [Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL]


@pytest.mark.django_db
def test_the_inbox_shows_critical_then_high_then_normal_newest_first(cast: Cast) -> None:
    for _ in range(6):
        submit_report(Client())
    reports = list(Report.objects.order_by("id"))
    urgencies = [
        Urgency.NORMAL,
        Urgency.CRITICAL,
        Urgency.HIGH,
        Urgency.NORMAL,
        Urgency.CRITICAL,
        Urgency.HIGH,
    ]
    for report, urgency in zip(reports, urgencies, strict=True):
        Report.objects.filter(pk=report.pk).update(urgency=urgency)
    order = [report.pk for report in inbox_for_staff(user=cast.caseworker)]
    ids = [report.pk for report in reports]
    assert order == [ids[4], ids[1], ids[5], ids[2], ids[3], ids[0]]
