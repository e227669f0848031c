"""The canary test for case content (DESIGN §6.1): everything typed into a case — summary, notes, incidents,
people, identifiers, a search and a hotline call — is stored encrypted or not at all, and never logged."""

import logging

import pytest
from django.urls import reverse

from longarm.cases.models import Case, Person
from longarm.intake.models import Report
from tests.cases.helpers import approve_identity, console
from tests.cases.hotline_helpers import CALL
from tests.conftest import Cast
from tests.intake.helpers import report_answers
from tests.test_canary import canary, stored_bytes


@pytest.mark.django_db(transaction=True)
def test_no_case_canary_appears_in_database_files_or_logs(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    planted = {
        name: canary(name) for name in ("summary", "note", "incident", "perpetrator", "relative", "phone")
    }
    planted["hotline"] = canary("hotline")
    operator = console(cast.operator)
    operator.post(
        reverse("cases:hotline_new"),
        {**report_answers(what_happened=planted["hotline"]), **CALL},
    )
    staff = console(cast.caseworker)
    staff.post(reverse("cases:case_open", args=[Report.objects.get().public_id]))
    case = Case.objects.get()
    approve_identity(case, cast)
    url = case.public_id
    staff.post(reverse("cases:case_summary", args=[url]), {"summary": planted["summary"]})
    staff.post(reverse("cases:case_note", args=[url]), {"text": planted["note"]})
    staff.post(reverse("cases:incident_new", args=[url]), {"description": planted["incident"]})
    staff.post(
        reverse("cases:person_new", args=[url]),
        {"role": "perpetrator", "label": "Officer 1", "name": planted["perpetrator"], "agency": "x"},
    )
    staff.post(
        reverse("cases:person_new", args=[url]),
        {"role": "relative", "label": "R", "name": planted["relative"]},
    )
    staff.post(reverse("cases:identifier_new", args=[url]), {"kind": "wechat", "value": planted["phone"]})
    assert Person.objects.count() == 2
    page = staff.get(reverse("cases:case", args=[url])).content.decode()
    for value in planted.values():
        assert value in page
    searched = canary("search")
    staff.get(reverse("cases:case_list"), {"q": searched})
    haystack = stored_bytes()
    logs = "\n".join(record.getMessage() + str(record.args) for record in caplog.records).encode()
    assert len(haystack) > 10_000, "the scan read nothing"
    for needle in [*planted.values(), searched]:
        assert needle.encode() not in haystack, f"{needle!r} is stored in clear"
        assert needle.encode() not in logs, f"{needle!r} was logged"
