"""System checks: `manage.py check` fails on a broken data file and warns while labels.py is stale."""

from collections.abc import Sequence

from django.apps import AppConfig
from django.core import checks

from longarm.taxonomy.exceptions import TaxonomyError
from longarm.taxonomy.generate_labels import labels_up_to_date
from longarm.taxonomy.vocabularies import validate_all


def check_vocabularies(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: object
) -> list[checks.CheckMessage]:
    try:
        validate_all()
    except TaxonomyError as error:
        return [
            checks.Error(
                str(error),
                hint="Correct the data file in src/longarm/taxonomy/data/, then run "
                "`python -m longarm.taxonomy.generate_labels`.",
                id="taxonomy.E001",
            )
        ]
    if not labels_up_to_date():
        return [
            checks.Warning(
                "labels.py does not match the data files, so new or changed labels will not be translated.",
                hint="Run `python -m longarm.taxonomy.generate_labels` and commit labels.py.",
                id="taxonomy.W001",
            )
        ]
    return []
