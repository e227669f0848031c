from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0012_message_random_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="position",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AlterModelOptions(
            name="message",
            options={"ordering": ["report_id", "position"]},
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(fields=("report", "position"), name="message_position_once"),
        ),
    ]
