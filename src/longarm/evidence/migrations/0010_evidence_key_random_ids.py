"""File keys get random ids (threat model §5.5, "Message ids"): an upload's seals, numbered between the seals
of staff grants and downloads, dated it. Nothing refers to a file key by its id but an unfinished
recovery-key rotation's position in this table, which is set back to the start: resealing is idempotent (a
seal the old key does not open is left alone), so walking the table again only costs time."""

from typing import Any

from django.db import migrations, models

import longarm.core.ids


def renumber(apps: Any, schema_editor: Any) -> None:
    longarm.core.ids.renumber_at_random(schema_editor, apps.get_model("evidence", "EvidenceKey")._meta.db_table)
    rotation = apps.get_model("recovery", "RecoveryRotation")
    rotation.objects.filter(finished_at__isnull=True, stage__endswith=":evidence").update(last_id=0)


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0009_custody_position_required"),
        ("recovery", "0001_recovery_rotation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidencekey",
            name="id",
            field=models.BigIntegerField(
                default=longarm.core.ids.random_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.RunPython(renumber, migrations.RunPython.noop),
    ]
