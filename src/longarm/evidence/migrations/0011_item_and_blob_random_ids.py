"""Evidence items and their stored files get random ids (threat model §5.5, "Message ids").

Ids given by one sequence across every report placed a reporter's upload (kept to the day) between files
staff added (chained to the second). Each item now has ``position``, its place among its report's files, in
the order of the old ids; then every existing item and file gets a random id, and the rows that point at them
(files, custody steps, file keys) are rewritten with them in the same transaction. Nothing else keeps an
item's or a file's id: tasks, sessions, manifests and storage names use the public id.
"""

from typing import Any

from django.db import migrations, models

import longarm.core.ids


def to_positions(apps: Any, schema_editor: Any) -> None:
    quote = schema_editor.quote_name
    item = apps.get_model("evidence", "EvidenceItem")._meta
    names = {
        "item": quote(item.db_table),
        "id": quote("id"),
        "report_id": quote(item.get_field("report").column),
        "position": quote("position"),
    }
    with schema_editor.connection.cursor() as cursor:
        # Only quoted table and column names are formatted in.
        cursor.execute(
            "UPDATE {item} SET {position} = (SELECT COUNT(*) FROM {item} AS earlier"
            " WHERE earlier.{report_id} = {item}.{report_id} AND earlier.{id} <= {item}.{id})".format(**names)
        )


def renumber(apps: Any, schema_editor: Any) -> None:
    item, blob, event, key = (
        apps.get_model("evidence", name)._meta
        for name in ("EvidenceItem", "EvidenceBlob", "CustodyEvent", "EvidenceKey")
    )
    longarm.core.ids.renumber_at_random(
        schema_editor,
        item.db_table,
        references=[
            (blob.db_table, blob.get_field("item").column),
            (event.db_table, event.get_field("item").column),
        ],
    )
    longarm.core.ids.renumber_at_random(
        schema_editor, blob.db_table, references=[(key.db_table, key.get_field("blob").column)]
    )


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0010_evidence_key_random_ids"),
    ]

    # The schema changes come before the data's, and the column is made required in the next migration:
    # on PostgreSQL a table cannot be altered in the transaction that updated its rows with checks pending.
    operations = [
        migrations.AddField(
            model_name="evidenceitem",
            name="position",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="evidenceitem",
            name="id",
            field=models.BigIntegerField(
                default=longarm.core.ids.random_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.AlterField(
            model_name="evidenceblob",
            name="id",
            field=models.BigIntegerField(
                default=longarm.core.ids.random_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.RunPython(to_positions, migrations.RunPython.noop),
        migrations.RunPython(renumber, migrations.RunPython.noop),
    ]
