"""Messages get random ids and a place in their own thread (threat model §5.5, "Message ids").

Ids given by one sequence across every report dated a reporter's message (kept to the day) by the staff
messages around it (kept to the minute). Each message now has ``position``, its place in its report's thread,
which orders the thread; the read marks and each report's newest reporter message are rewritten from ids to
positions; then every existing message gets a random id. Nothing refers to a message by its id (the audit
chain names reports by their public id; no foreign key points at a message), so the renumbering loses no
link. Set-wise statements only, except the renumbering (in batches of ids).
"""

from typing import Any

from django.db import migrations, models

import longarm.core.ids


def _names(apps: Any, schema_editor: Any) -> dict[str, str]:
    quote = schema_editor.quote_name
    message = apps.get_model("intake", "Message")._meta
    report = apps.get_model("intake", "Report")._meta
    mark = apps.get_model("intake", "ReadMark")._meta
    return {
        "message": quote(message.db_table),
        "report": quote(report.db_table),
        "mark": quote(mark.db_table),
        "id": quote("id"),
        "report_id": quote(message.get_field("report").column),
        "mark_report_id": quote(mark.get_field("report").column),
        "position": quote("position"),
        "last": quote("last_reporter_message"),
        "seen": quote("seen_up_to"),
    }


def to_positions(apps: Any, schema_editor: Any) -> None:
    """Each message's place in its thread, in the order of the old ids; marks and each report's newest
    reporter message from ids to places (a mark's place: how many of the thread's messages it covered)."""
    n = _names(apps, schema_editor)
    statements = [
        # Only quoted table and column names are formatted in.
        "UPDATE {message} SET {position} = (SELECT COUNT(*) FROM {message} AS earlier"
        " WHERE earlier.{report_id} = {message}.{report_id} AND earlier.{id} <= {message}.{id})",
        "UPDATE {report} SET {last} = (SELECT {position} FROM {message}"
        " WHERE {message}.{id} = {report}.{last}) WHERE {last} IS NOT NULL",
        "UPDATE {mark} SET {seen} = (SELECT COUNT(*) FROM {message}"
        " WHERE {message}.{report_id} = {mark}.{mark_report_id} AND {message}.{id} <= {mark}.{seen})",
    ]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.format(**n))


def renumber(apps: Any, schema_editor: Any) -> None:
    longarm.core.ids.renumber_at_random(schema_editor, apps.get_model("intake", "Message")._meta.db_table)


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0011_report_thread_state"),
    ]

    # The schema changes come before the data's, and the column is made required in the next migration:
    # on PostgreSQL a table cannot be altered in the transaction that updated its rows with checks pending.
    operations = [
        migrations.AddField(
            model_name="message",
            name="position",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="message",
            name="id",
            field=models.BigIntegerField(
                default=longarm.core.ids.random_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.RunPython(to_positions, migrations.RunPython.noop),
        migrations.RunPython(renumber, migrations.RunPython.noop),
    ]
