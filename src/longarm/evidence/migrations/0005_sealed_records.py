"""Evidence fingerprints move into ciphertext (issue 11, item 1), step one of two.

Adds the encrypted records beside the clear columns they replace, dates items to the day and coarsens the
times of the reporter's and the worker's custody steps to the day. No key is at hand in a migration, so the
clear hashes, sizes and types cannot be encrypted here: ``longarm evidence seal-records --recovery-key PATH``
does that with the offline recovery key (every report's data key and every file's key is sealed to it) and
blanks the clear columns. Step two (0006) refuses to run while any row still needs it, then drops them.
"""

from typing import Any

from django.db import migrations, models


def coarsen_times(apps: Any, schema_editor: Any) -> None:
    item_model = apps.get_model("evidence", "EvidenceItem")
    event_model = apps.get_model("evidence", "CustodyEvent")
    for item in item_model.objects.all().only("pk", "received_at"):
        item_model.objects.filter(pk=item.pk).update(received_on=item.received_at.date())
    for event in event_model.objects.exclude(actor_kind="staff").only("pk", "at"):
        day = event.at.replace(hour=0, minute=0, second=0, microsecond=0)
        event_model.objects.filter(pk=event.pk).update(at=day)


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0004_issue12_formats_and_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidenceitem",
            name="received_on",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="evidenceitem",
            name="record_ciphertext",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="evidenceblob",
            name="record_ciphertext",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="sha256_ciphertext",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="exportpackage",
            name="manifest_sha256_ciphertext",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.RunPython(coarsen_times, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="evidenceitem",
            name="received_at",
        ),
        migrations.AlterField(
            model_name="evidenceitem",
            name="received_on",
            field=models.DateField(),
        ),
    ]
