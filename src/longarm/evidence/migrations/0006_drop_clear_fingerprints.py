"""Evidence fingerprints move into ciphertext (issue 11, item 1), step two of two: drop the clear columns.

Refuses to run while any row still holds a clear hash, size or type that has not been moved into its
encrypted record (see 0005): run ``longarm evidence seal-records --recovery-key PATH`` first.
"""

from typing import Any

from django.db import migrations

MESSAGE = (
    "{count} evidence row(s) still hold a clear SHA-256, size or type. Run "
    "`longarm evidence seal-records --recovery-key PATH` (with the offline recovery private key) to move "
    "them into their encrypted records, then migrate again."
)


def require_sealed(apps: Any, schema_editor: Any) -> None:
    waiting = (
        apps.get_model("evidence", "EvidenceItem").objects.exclude(sha256="").count()
        + apps.get_model("evidence", "EvidenceBlob").objects.exclude(sha256="").count()
        + apps.get_model("evidence", "CustodyEvent").objects.exclude(sha256="").count()
        + apps.get_model("evidence", "ExportPackage").objects.exclude(manifest_sha256="").count()
    )
    if waiting:
        raise RuntimeError(MESSAGE.format(count=waiting))


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0005_sealed_records"),
    ]

    operations = [
        migrations.RunPython(require_sealed, migrations.RunPython.noop),
        migrations.RemoveField(model_name="custodyevent", name="sha256"),
        migrations.RemoveField(model_name="evidenceblob", name="content_type"),
        migrations.RemoveField(model_name="evidenceblob", name="sha256"),
        migrations.RemoveField(model_name="evidenceblob", name="size"),
        migrations.RemoveField(model_name="evidenceitem", name="content_type"),
        migrations.RemoveField(model_name="evidenceitem", name="sha256"),
        migrations.RemoveField(model_name="evidenceitem", name="size"),
        migrations.RemoveField(model_name="exportpackage", name="manifest_sha256"),
    ]
