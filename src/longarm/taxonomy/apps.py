from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from longarm.taxonomy.checks import check_vocabularies


class TaxonomyConfig(AppConfig):
    name = "longarm.taxonomy"
    label = "taxonomy"
    verbose_name = _("Vocabularies")

    def ready(self) -> None:
        # `manage.py check` (and so every deploy and CI run) refuses a broken or untranslatable data file.
        checks.register(check_vocabularies)
