"""Issue 11, item 14: the files of a statistics-only report were sealed to the hotline operator who entered it
(and could add files to it). No staff member may hold them (threat model G2): delete those keys."""

from typing import Any

from django.db import migrations


def drop_keys(apps: Any, schema_editor: Any) -> None:
    EvidenceKey = apps.get_model("evidence", "EvidenceKey")
    EvidenceKey.objects.filter(blob__item__report__consent="statistics_only", holder="staff").delete()


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_pending_upload"), ("intake", "0004_drop_statistics_only_staff_seals")]

    operations = [migrations.RunPython(drop_keys, migrations.RunPython.noop)]
