from django.db import migrations, models


class Migration(migrations.Migration):
    """The cube keyed by one slice at a time (its contents are recomputed by `longarm analytics rebuild`)."""

    dependencies = [("analytics", "0001_initial")]

    operations = [
        migrations.DeleteModel(name="FactCube"),
        migrations.CreateModel(
            name="FactCube",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=12)),
                ("slice", models.CharField(max_length=40)),
                ("dimension", models.CharField(max_length=20)),
                ("year", models.PositiveSmallIntegerField()),
                ("month", models.PositiveSmallIntegerField()),
                ("code", models.CharField(max_length=40)),
                ("n", models.IntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "dimension", "slice", "year", "month", "code"), name="cube_cell"
                    )
                ],
            },
        ),
    ]
