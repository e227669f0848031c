from typing import Any

from django.db import migrations

from longarm.cases.codes import rebuild_codes

BATCH = 2000


def fill(apps: Any, schema_editor: Any) -> None:
    case_model = apps.get_model("cases", "Case")
    ids = list(case_model.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        rebuild_codes(
            case_ids=ids[start : start + BATCH],
            code_model=apps.get_model("cases", "CaseCode"),
            incident_model=apps.get_model("cases", "Incident"),
            case_report_model=apps.get_model("cases", "CaseReport"),
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_list_indexes")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
