"""A submission's Argon2id derivations run outside any database transaction: SQLite's transactions here are
immediate, so a derivation inside one would hold the write lock and queue every other reporter behind it."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

import longarm.crypto.receipts
from longarm.crypto.kdf import Argon2Cost
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.intake.helpers import submit_report


@pytest.mark.django_db(transaction=True)
def test_no_derivation_of_a_submission_runs_inside_a_transaction(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside: list[bool] = []
    derive: Callable[[bytes, bytes, Argon2Cost], bytes] = longarm.crypto.receipts.derive_key

    def recording(secret: bytes, salt: bytes, cost: Argon2Cost) -> bytes:
        inside.append(connection.in_atomic_block)
        return derive(secret, salt, cost)

    monkeypatch.setattr(longarm.crypto.receipts, "derive_key", recording)

    submit_report(Client())

    assert Report.objects.count() == 1
    assert inside == [False, False]
