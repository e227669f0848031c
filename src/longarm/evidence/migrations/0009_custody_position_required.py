from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0008_custody_random_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="custodyevent",
            name="position",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AlterModelOptions(
            name="custodyevent",
            options={"ordering": ["item_id", "position"]},
        ),
        migrations.AddConstraint(
            model_name="custodyevent",
            constraint=models.UniqueConstraint(fields=("item", "position"), name="custody_position_once"),
        ),
    ]
