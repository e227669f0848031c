from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0011_item_and_blob_random_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidenceitem",
            name="position",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AlterModelOptions(
            name="evidenceitem",
            options={"ordering": ["report_id", "position"]},
        ),
        migrations.AddConstraint(
            model_name="evidenceitem",
            constraint=models.UniqueConstraint(fields=("report", "position"), name="evidence_position_once"),
        ),
    ]
