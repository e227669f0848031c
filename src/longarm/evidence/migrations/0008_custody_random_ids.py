"""Custody steps get random ids and a place in their item's chain (threat model §5.5, "Message ids").

Ids given by one sequence across every file placed a reporter's upload step (kept to the day) between staff
steps of other files (kept to the minute). Each step now has ``position``, its place in its item's chain,
in the order of the old ids; then every existing step gets a random id. Nothing refers to a custody step by
its id (no foreign key points at one; signed manifests list steps by their content), so the renumbering
loses no link.
"""

from typing import Any

from django.db import migrations, models

import longarm.core.ids


def _names(apps: Any, schema_editor: Any) -> dict[str, str]:
    quote = schema_editor.quote_name
    event = apps.get_model("evidence", "CustodyEvent")._meta
    return {
        "event": quote(event.db_table),
        "id": quote("id"),
        "item_id": quote(event.get_field("item").column),
        "position": quote("position"),
    }


def to_positions(apps: Any, schema_editor: Any) -> None:
    n = _names(apps, schema_editor)
    with schema_editor.connection.cursor() as cursor:
        # Only quoted table and column names are formatted in.
        cursor.execute(
            "UPDATE {event} SET {position} = (SELECT COUNT(*) FROM {event} AS earlier"
            " WHERE earlier.{item_id} = {event}.{item_id} AND earlier.{id} <= {event}.{id})".format(**n)
        )


def renumber(apps: Any, schema_editor: Any) -> None:
    longarm.core.ids.renumber_at_random(schema_editor, apps.get_model("evidence", "CustodyEvent")._meta.db_table)


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0007_evidence_queued_status"),
    ]

    # The schema changes come before the data's, and the column is made required in the next migration:
    # on PostgreSQL a table cannot be altered in the transaction that updated its rows with checks pending.
    operations = [
        migrations.AddField(
            model_name="custodyevent",
            name="position",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="custodyevent",
            name="id",
            field=models.BigIntegerField(
                default=longarm.core.ids.random_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.RunPython(to_positions, migrations.RunPython.noop),
        migrations.RunPython(renumber, migrations.RunPython.noop),
    ]
