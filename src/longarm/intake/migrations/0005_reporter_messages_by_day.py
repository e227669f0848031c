"""Reporters' messages are dated to the day (issue 11): the minute a reporter wrote could be matched against
a watched connection. Staff messages keep their minute."""

from typing import Any

from django.db import migrations


def coarsen(apps: Any, schema_editor: Any) -> None:
    message_model = apps.get_model("intake", "Message")
    for message in message_model.objects.filter(author_kind="reporter").only("pk", "created_at"):
        day = message.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
        message_model.objects.filter(pk=message.pk).update(created_at=day)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0004_drop_statistics_only_staff_seals"),
    ]

    operations = [
        migrations.RunPython(coarsen, migrations.RunPython.noop),
    ]
