"""Data migrations run on data (issue 16): a database at the state before each is filled through the
historical models, migrated forward, and checked. django-test-migrations' ``migrator`` builds each state."""

import importlib
import os
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_test_migrations.migrator import Migrator

from longarm.api.scopes import all_scopes

pytestmark = pytest.mark.django_db(transaction=True)


def report(apps: Any, **fields: Any) -> Any:
    model = apps.get_model("intake", "Report")
    return model.objects.create(
        public_id=uuid.uuid4(),
        received_on=date(2026, 3, 1),
        status="received",
        intake_channel="web",
        consent=fields.pop("consent", "review"),
        statistics_consent=True,
        receipt_lookup_hash=os.urandom(32),
        reporter_salt=os.urandom(16),
        reporter_public_key=os.urandom(32),
        answers_ciphertext=b"a",
        identity_ciphertext=b"i",
        **fields,
    )


def staff(apps: Any, name: str) -> Any:
    return apps.get_model("accounts", "StaffUser").objects.create(
        username=name,
        role="caseworker",
        public_key=os.urandom(32),
        private_key_salt=os.urandom(16),
        private_key_locked=b"x",
        private_key_opslimit=1,
        private_key_memlimit=8192,
    )


def test_reporters_messages_are_coarsened_to_the_day(migrator: Migrator) -> None:
    old = migrator.apply_initial_migration(("intake", "0004_drop_statistics_only_staff_seals")).apps
    message = old.get_model("intake", "Message")
    written = datetime(2026, 3, 1, 21, 47, 13, tzinfo=UTC)
    parent = report(old)
    message.objects.create(report=parent, author_kind="reporter", created_at=written, ciphertext=b"r")
    message.objects.create(report=parent, author_kind="staff", created_at=written, ciphertext=b"s")
    new = migrator.apply_tested_migration(("intake", "0005_reporter_messages_by_day")).apps
    times = dict(new.get_model("intake", "Message").objects.values_list("author_kind", "created_at"))
    assert times["reporter"] == datetime(2026, 3, 1, tzinfo=UTC)
    assert times["staff"] == written


def test_statistics_only_reports_lose_their_staff_seals(migrator: Migrator) -> None:
    old = migrator.apply_initial_migration(("intake", "0003_report_inbox_order")).apps
    sealed = old.get_model("intake", "SealedKey")
    operator = staff(old, "olly")
    counted_only = report(old, consent="statistics_only")
    readable = report(old, consent="review")
    for parent in (counted_only, readable):
        sealed.objects.create(report=parent, kind="data", recipient_kind="staff", staff=operator, sealed=b"k")
        sealed.objects.create(report=parent, kind="data", recipient_kind="recovery", sealed=b"r")
    new = migrator.apply_tested_migration(("intake", "0004_drop_statistics_only_staff_seals")).apps
    remaining = set(
        new.get_model("intake", "SealedKey").objects.values_list("report__consent", "recipient_kind")
    )
    assert remaining == {("statistics_only", "recovery"), ("review", "staff"), ("review", "recovery")}


def test_every_migration_runs_forward_over_existing_data(migrator: Migrator) -> None:
    # The oldest state of every app, a report and a message in it, then every migration to the newest.
    old = migrator.apply_initial_migration([("intake", "0001_initial"), ("accounts", "0001_initial")]).apps
    parent = report(old, community="uyghur", host_country="JP")
    old.get_model("intake", "Message").objects.create(
        report=parent,
        author_kind="reporter",
        created_at=datetime(2026, 3, 1, 9, 5, tzinfo=UTC),
        ciphertext=b"m",
    )
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    new = migrator.apply_tested_migration(latest).apps
    migrated = new.get_model("intake", "Report").objects.get(public_id=parent.public_id)
    assert (migrated.community, migrated.host_country) == ("uyghur", "JP")
    assert new.get_model("intake", "Message").objects.get().created_at == datetime(2026, 3, 1, tzinfo=UTC)


def test_tokens_made_before_scopes_keep_every_scope_they_had(migrator: Migrator) -> None:
    old = migrator.apply_initial_migration(("api", "0001_initial")).apps
    now = datetime(2026, 3, 1, tzinfo=UTC)
    old.get_model("api", "ApiToken").objects.create(
        user=staff(old, "tess"),
        label="script",
        lookup_hash=os.urandom(32),
        wrapped_private_key=b"w",
        created_at=now,
        expires_at=now,
    )
    new = migrator.apply_tested_migration(("api", "0002_token_scopes_and_session_binding")).apps
    token = new.get_model("api", "ApiToken").objects.get()
    # Every scope there was when scopes came (writes added since are not granted to old tokens unasked).
    then = importlib.import_module("longarm.api.migrations.0002_token_scopes_and_session_binding").EVERY_SCOPE
    assert sorted(token.scopes) == sorted(then)
    assert set(then) <= set(all_scopes())
    assert bytes(token.bound_session) == b""


def test_each_reports_thread_state_is_filled_from_its_messages(migrator: Migrator) -> None:
    old = migrator.apply_initial_migration(("intake", "0010_shredded_receipts")).apps
    message = old.get_model("intake", "Message")
    written = datetime(2026, 3, 1, tzinfo=UTC)
    silent, waiting, answered, wrote_again = (report(old) for _ in range(4))
    for parent, authors in (
        (waiting, ["reporter"]),
        (answered, ["reporter", "staff"]),
        (wrote_again, ["reporter", "staff", "reporter"]),
    ):
        for author in authors:
            message.objects.create(report=parent, author_kind=author, created_at=written, ciphertext=b"m")
    new = migrator.apply_tested_migration(("intake", "0011_report_thread_state")).apps
    reports = new.get_model("intake", "Report").objects
    newest_reporter = dict(
        (parent.pk, message.objects.filter(report=parent, author_kind="reporter").latest("pk").pk)
        for parent in (waiting, answered, wrote_again)
    )
    state = {row[0]: row[1:] for row in reports.values_list("pk", "awaiting_reply", "last_reporter_message")}
    assert state[silent.pk] == (False, None)
    assert state[waiting.pk] == (True, newest_reporter[waiting.pk])
    assert state[answered.pk] == (False, newest_reporter[answered.pk])
    assert state[wrote_again.pk] == (True, newest_reporter[wrote_again.pk])


def test_messages_get_random_ids_and_their_places_in_their_threads(migrator: Migrator) -> None:
    """Existing messages are renumbered at random; each thread's order, the read marks and the reports'
    newest reporter messages are kept, as places in the thread instead of ids."""
    old = migrator.apply_initial_migration(("intake", "0011_report_thread_state")).apps
    message, mark = old.get_model("intake", "Message"), old.get_model("intake", "ReadMark")
    written = datetime(2026, 3, 1, tzinfo=UTC)
    reader = staff(old, "rita")
    first, second = report(old), report(old)
    by_public_id = {}
    # Interleaved across the two reports, as one sequence numbered them.
    for parent, author in (
        (first, "reporter"),
        (second, "reporter"),
        (first, "staff"),
        (second, "staff"),
        (first, "reporter"),
        (second, "reporter"),
    ):
        row = message.objects.create(report=parent, author_kind=author, created_at=written, ciphertext=b"m")
        by_public_id[row.public_id] = (parent.pk, row.pk)
    old_ids = {pk for _, pk in by_public_id.values()}
    second_thread = list(message.objects.filter(report=second).order_by("pk").values_list("pk", flat=True))
    old.get_model("intake", "Report").objects.filter(pk=first.pk).update(
        awaiting_reply=True,
        last_reporter_message=message.objects.filter(report=first).order_by("-pk").values("pk")[:1],
    )
    mark.objects.create(staff=reader, report=second, seen_up_to=second_thread[1])  # read up to the answer

    new = migrator.apply_tested_migration(("intake", "0013_message_position_required")).apps
    messages = new.get_model("intake", "Message").objects
    rows = {row.public_id: row for row in messages.all()}
    assert set(rows) == set(by_public_id)
    for public_id, (parent, _) in by_public_id.items():
        assert rows[public_id].report_id == parent
    assert not old_ids & {row.pk for row in rows.values()}
    assert all(row.pk >= 1 << 40 for row in rows.values())
    for parent in (first, second):
        thread = messages.filter(report_id=parent.pk).order_by("position")
        assert [row.position for row in thread] == [1, 2, 3]
        assert [row.author_kind for row in thread] == ["reporter", "staff", "reporter"]
    migrated = new.get_model("intake", "Report").objects.get(pk=first.pk)
    assert migrated.last_reporter_message == 3
    assert new.get_model("intake", "ReadMark").objects.get().seen_up_to == 2


def test_custody_steps_get_random_ids_and_their_places_in_their_items_chains(migrator: Migrator) -> None:
    # One target: the migrator applies everything its full plan holds before the last target given.
    old = migrator.apply_initial_migration(("evidence", "0007_evidence_queued_status")).apps
    item_model, event_model = (
        old.get_model("evidence", "EvidenceItem"),
        old.get_model("evidence", "CustodyEvent"),
    )
    parent = report(old)
    items = [
        item_model.objects.create(
            public_id=uuid.uuid4(),
            report_id=parent.pk,
            added_by_kind="reporter",
            received_on=date(2026, 3, 1),
            name_ciphertext=b"n",
            record_ciphertext=b"r",
            kind="image",
        )
        for _ in range(2)
    ]
    steps = []
    for item, action in (
        (items[0], "received"),
        (items[1], "received"),
        (items[0], "sanitised"),
        (items[1], "failed"),
    ):
        row = event_model.objects.create(
            item=item,
            at=datetime(2026, 3, 1, tzinfo=UTC),
            action=action,
            actor_kind="reporter",
            variant="original",
        )
        steps.append(row.pk)

    new = migrator.apply_tested_migration(("evidence", "0009_custody_position_required")).apps
    events = new.get_model("evidence", "CustodyEvent").objects
    assert not set(steps) & set(events.values_list("pk", flat=True))
    assert all(pk >= 1 << 40 for pk in events.values_list("pk", flat=True))
    for item, actions in ((items[0], ["received", "sanitised"]), (items[1], ["received", "failed"])):
        chain = events.filter(item_id=item.pk).order_by("position")
        assert [(event.position, event.action) for event in chain] == list(enumerate(actions, start=1))


def test_sealed_keys_are_renumbered_and_an_unfinished_rotation_walks_them_again(migrator: Migrator) -> None:
    old = migrator.apply_initial_migration(
        [("intake", "0013_message_position_required"), ("recovery", "0001_recovery_rotation")]
    ).apps
    sealed_model = old.get_model("intake", "SealedKey")
    parents = [report(old), report(old)]
    before = {
        sealed_model.objects.create(
            report=parent, kind="data", recipient_kind="recovery", sealed=b"s"
        ).pk: parent.pk
        for parent in parents
    }
    old.get_model("recovery", "RecoveryRotation").objects.create(
        old_public_key=b"o" * 32,
        new_public_key=b"n" * 32,
        started_at=datetime(2026, 3, 1, tzinfo=UTC),
        stage="1:report",
        last_id=max(before),
    )
    new = migrator.apply_tested_migration(("intake", "0014_sealed_key_random_ids")).apps
    rows = list(new.get_model("intake", "SealedKey").objects.values_list("pk", "report_id"))
    assert sorted(report_id for _, report_id in rows) == sorted(before.values())
    assert all(pk >= 1 << 40 and pk not in before for pk, _ in rows)
    assert new.get_model("recovery", "RecoveryRotation").objects.get().last_id == 0


def test_items_and_files_are_renumbered_with_everything_that_points_at_them(migrator: Migrator) -> None:
    old = migrator.apply_initial_migration(("evidence", "0010_evidence_key_random_ids")).apps
    item_model, blob_model = (
        old.get_model("evidence", "EvidenceItem"),
        old.get_model("evidence", "EvidenceBlob"),
    )
    key_model, event_model = (
        old.get_model("evidence", "EvidenceKey"),
        old.get_model("evidence", "CustodyEvent"),
    )
    first, second = report(old), report(old)
    made = []
    for parent in (first, second, first):
        item = item_model.objects.create(
            public_id=uuid.uuid4(),
            report_id=parent.pk,
            added_by_kind="reporter",
            received_on=date(2026, 3, 1),
            name_ciphertext=b"n",
            record_ciphertext=b"r",
            kind="image",
        )
        blob = blob_model.objects.create(
            item=item, variant="original", storage_name=f"{item.public_id.hex}.enc", record_ciphertext=b"b"
        )
        key_model.objects.create(blob=blob, holder="recovery", sealed=b"k" + item.public_id.bytes)
        event_model.objects.create(
            item=item,
            position=1,
            at=datetime(2026, 3, 1, tzinfo=UTC),
            action="received",
            actor_kind="reporter",
        )
        made.append((parent.pk, item.public_id, item.pk, blob.pk))

    new = migrator.apply_tested_migration(("evidence", "0012_item_position_required")).apps
    items = new.get_model("evidence", "EvidenceItem").objects
    for (parent, public_id, old_item, old_blob), place in zip(made, (1, 1, 2), strict=True):
        item = items.get(public_id=public_id)
        assert (item.report_id, item.position) == (parent, place)
        assert item.pk >= 1 << 40
        assert item.pk != old_item
        blob = new.get_model("evidence", "EvidenceBlob").objects.get(storage_name=f"{public_id.hex}.enc")
        assert blob.item_id == item.pk
        assert blob.pk >= 1 << 40
        assert blob.pk != old_blob
        assert (
            bytes(new.get_model("evidence", "EvidenceKey").objects.get(blob=blob).sealed)[1:]
            == public_id.bytes
        )
        assert new.get_model("evidence", "CustodyEvent").objects.get(item=item).action == "received"
