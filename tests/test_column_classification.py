"""Every column of every installed app is classified (DESIGN §3, issue 11), and the threat model's table is
the one the code holds. A new column fails here until someone decides what it may reveal at rest."""

import re
from pathlib import Path

from django.apps import apps
from django.db import models
from django.db.models.fields import AutoFieldMixin
from django.test.utils import isolate_apps

from longarm.core.columns import (
    COLUMNS,
    NOTES,
    REPORTER_ROWS,
    ColumnClass,
    column_labels,
    concrete_models,
    markdown,
    unclassified,
)
from longarm.core.ids import random_id

THREAT_MODEL = Path(__file__).resolve().parents[1] / "docs" / "threat-model.md"
# Only these may be named like a fingerprint without being ciphertext or a keyed index: the audit hash chain
# (it hashes audit rows) and a passkey lookup hash (of a staff key), not anything a reporter sent.
FINGERPRINT_NAME = re.compile(r"sha|hash|digest|size|content_type|length|bytes")
CHAIN = {
    "audit.AuditEvent.previous_hash",
    "audit.AuditEvent.event_hash",
    "audit.AuditHead.last_hash",
    "audit.AuditCheckpoint.last_hash",
    # A hash of a staff passkey's credential id, kept by django-otp-webauthn to find the credential.
    "django_otp_webauthn.WebAuthnCredential.credential_id_sha256",
}


def installed_columns() -> dict[str, models.Field[object, object]]:
    return {
        f"{model._meta.label}.{field.name}": field
        for model in concrete_models(apps.get_models(include_auto_created=True))
        for field in model._meta.concrete_fields
    }


def test_every_column_of_every_installed_app_is_classified() -> None:
    missing = unclassified(apps.get_models(include_auto_created=True))
    assert not missing, f"classify these columns in longarm/core/columns.py: {missing}"


def test_third_party_apps_are_walked_too() -> None:
    labels = installed_columns()
    for expected in (
        "sessions.Session.session_data",
        "otp_totp.TOTPDevice.key",
        "django_tasks_database.DBTaskResult.enqueued_at",
        "auth.Group_permissions.permission",
    ):
        assert expected in labels


def test_the_table_names_no_column_that_does_not_exist() -> None:
    stale = sorted(set(COLUMNS) - set(installed_columns()))
    assert not stale, f"remove these from longarm/core/columns.py: {stale}"
    assert set(NOTES) <= set(COLUMNS)


def test_a_new_unclassified_field_fails_the_check() -> None:
    with isolate_apps("longarm.evidence"):

        class Planted(models.Model):  # noqa: DJ008 - never shown
            sha256 = models.CharField(max_length=64)

            class Meta:
                app_label = "evidence"

        assert unclassified([Planted]) == ["evidence.Planted.id", "evidence.Planted.sha256"]
        assert column_labels(Planted) == ["evidence.Planted.id", "evidence.Planted.sha256"]


def test_a_field_added_to_a_classified_model_fails_the_check() -> None:
    from longarm.evidence.models import EvidenceItem

    with isolate_apps("longarm.evidence"):

        class EvidenceItemWithSize(EvidenceItem):
            size = models.BigIntegerField()

            class Meta:
                app_label = "evidence"

        missing = unclassified([EvidenceItemWithSize])
    assert "evidence.EvidenceItemWithSize.size" in missing


def test_ciphertext_columns_hold_bytes() -> None:
    fields = installed_columns()
    for label, column_class in COLUMNS.items():
        if column_class is ColumnClass.CIPHERTEXT:
            assert isinstance(fields[label], models.BinaryField), label


def test_key_columns_are_keys_relations_or_random_ids() -> None:
    fields = installed_columns()
    for label, column_class in COLUMNS.items():
        field = fields[label]
        if column_class is ColumnClass.KEY:
            is_key = field.primary_key or field.is_relation or isinstance(field, models.UUIDField)
            assert is_key or label in NOTES, f"{label} is not a key; say why it is one in NOTES"


def test_coarse_timestamps_are_dates_or_say_how_they_are_coarsened() -> None:
    fields = installed_columns()
    for label, column_class in COLUMNS.items():
        field = fields[label]
        if column_class is ColumnClass.COARSE_TIME:
            output = field.output_field if isinstance(field, models.GeneratedField) else field
            is_date = isinstance(output, models.DateField) and not isinstance(output, models.DateTimeField)
            assert is_date or label in NOTES, f"{label} holds a time; say in NOTES what keeps it coarse"


def test_nothing_named_like_a_fingerprint_is_in_clear() -> None:
    fields = installed_columns()
    for label, column_class in COLUMNS.items():
        field_name = label.rsplit(".", 1)[1]
        if fields[label].is_relation or label in CHAIN:
            continue
        if FINGERPRINT_NAME.search(field_name):
            assert column_class in {ColumnClass.CIPHERTEXT, ColumnClass.KEYED_INDEX}, label


def test_the_threat_model_mirrors_the_table() -> None:
    text = THREAT_MODEL.read_text(encoding="utf-8")
    start = text.index("<!-- columns:start -->\n") + len("<!-- columns:start -->\n")
    end = text.index("<!-- columns:end -->")
    assert text[start:end] == markdown(), (
        "docs/threat-model.md is out of date: paste the output of "
        "`python -c 'from longarm.core.columns import markdown; print(markdown(), end=\"\")'` between the "
        "columns markers"
    )


def test_rows_a_reporter_writes_have_random_ids_or_a_reason_not_to() -> None:
    """An id numbered in the order rows were written dates a reporter's row by its neighbours (threat model
    §5.5, message ids): each table a reporter's act writes in has a random key, or says why not; a table
    whose key was made random is held to it."""
    for label, reason in REPORTER_ROWS.items():
        primary_key = apps.get_model(label)._meta.pk
        assert primary_key is not None, label
        is_random = isinstance(primary_key, models.UUIDField) or (
            isinstance(primary_key, models.BigIntegerField)
            and not isinstance(primary_key, AutoFieldMixin)
            and primary_key.default is random_id
        )
        if reason is None:
            assert is_random, f"{label} must have a random primary key"
        else:
            assert not is_random, f"{label} has a random key now: set its entry in REPORTER_ROWS to None"
            assert len(reason) > 40, label


def test_a_random_id_is_a_signed_64_bit_integer_above_every_sequence() -> None:
    ids = {random_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(1 << 40 <= number < 1 << 63 for number in ids)
