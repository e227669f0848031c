"""Log lines are timestamped: none may name a reporter's file, or it would date the upload (kept to a day)."""

import logging
import logging.config
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from longarm.evidence import services
from longarm.evidence.models import EvidenceItem, EvidenceStatus
from longarm.evidence.services import evidence_process
from tests.conftest import Cast
from tests.evidence.helpers import submit_with_files

pytestmark = pytest.mark.django_db


def test_task_runners_do_not_log_each_task_with_its_arguments() -> None:
    logging.config.dictConfig(settings.LOGGING)
    for name in ("django.tasks", "django_tasks", "django_tasks_db", "django_tasks_rq", "rq.worker"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name


def test_a_processing_failure_is_logged_without_the_items_id(
    cast: Cast,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    monkeypatch.setattr(services, "_enqueue", lambda ids: None)
    submit_with_files(Client(), {"note.txt": b"Officer Li called again.\n"})
    item = EvidenceItem.objects.get()

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a parser fell over")

    monkeypatch.setattr(services, "_work", explode)
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        evidence_process(item_id=item.public_id)
    item.refresh_from_db()
    assert item.status == EvidenceStatus.FAILED
    assert "processing failed with RuntimeError" in caplog.text
    assert str(item.public_id) not in caplog.text
    assert item.public_id.hex not in caplog.text
