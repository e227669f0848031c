"""Issue 11, item 14: a hotline operator kept the data key of a statistics-only report they entered. No staff
member may hold one (threat model G2): delete those seals. (Deleted rows may live on in backups and, on
PostgreSQL, until VACUUM: see docs/threat-model.md on crypto-shredding.)"""

from typing import Any

from django.db import migrations


def drop_seals(apps: Any, schema_editor: Any) -> None:
    SealedKey = apps.get_model("intake", "SealedKey")
    SealedKey.objects.filter(
        report__consent="statistics_only", kind="data", recipient_kind="staff"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_report_inbox_order")]

    operations = [migrations.RunPython(drop_seals, migrations.RunPython.noop)]
