"""The live API against its own OpenAPI schema (schemathesis): every operation, with generated parameters
and bodies, answers with a status and a body the schema documents, and never a server error."""

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection

from longarm.cases.services import case_open
from longarm.intake.models import Report
from tests.api.helpers import api_headers, private_key_of
from tests.conftest import Cast
from tests.intake.helpers import submit_report


@pytest.fixture
def caseworker_headers(cast: Cast) -> Iterator[dict[str, str]]:
    """A caseworker with a report and a case, so that list endpoints return real items."""
    submit_report(Client())
    submit_report(Client())
    first = Report.objects.order_by("id").first()
    assert first is not None
    case_open(actor=cast.caseworker, private_key=private_key_of(cast.caseworker), report=first, summary="s")
    headers = api_headers(cast.caseworker)
    # Django closes the connection at the end of a request, which would end the test's transaction; its
    # own test client disconnects these handlers the same way (and reconnects them, hence only now).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield headers
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The schema exactly as /api/openapi.json serves it (a test in test_endpoints fetches that URL); requests
# go to the live Django application in-process.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,  # the same bounded examples on every run, so CI never flakes on a rare one
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_honours_its_schema(case: Any, caseworker_headers: dict[str, str]) -> None:
    # Unknown query parameters are ignored, as HTTP APIs commonly do, rather than refused; every other
    # check applies: documented status codes, content types and bodies, no server error, auth enforced.
    case.call_and_validate(headers=caseworker_headers, excluded_checks=[negative_data_rejection])


def test_a_search_while_the_index_is_built_answers_202_with_progress_as_documented(
    cast: Cast, caseworker_headers: dict[str, str], settings: Any
) -> None:
    """The caller's first search over more cases than one request decrypts: 202, a Retry-After header and
    how far it got, each as the schema documents them; asked again, it goes on, and then answers."""
    second = Report.objects.order_by("id").last()
    assert second is not None
    case_open(
        actor=cast.caseworker, private_key=private_key_of(cast.caseworker), report=second, summary="Zither"
    )
    settings.LONGARM_SEARCH_BUILD_SECONDS = 0
    operation = schema["/api/search"]["GET"]
    answers = []
    with patch("longarm.cases.search_index._BATCH", 1):
        for _ in range(2):
            case = operation.Case(query={"q": "zither"}, headers=caseworker_headers)
            answers.append(case.call_and_validate(excluded_checks=[negative_data_rejection]))
    building, found = answers
    assert building.status_code == 202
    assert building.headers["retry-after"] == ["1"]
    body = building.json()
    assert (body["done"], body["total"], body["retry_after"]) == (1, 2, 1)
    assert "1 of 2" in body["detail"]
    assert found.status_code == 200
    assert found.json()["count"] == 1
    documented = operation.definition.raw["responses"]["202"]
    assert "Retry-After" in documented["headers"]
