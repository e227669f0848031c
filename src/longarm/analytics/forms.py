import re
from typing import Any, Final

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from longarm.analytics.dimensions import DIMENSIONS
from longarm.analytics.queries import AnalyticsFilters, Month
from longarm.intake.models import IntakeChannel
from longarm.taxonomy.vocabularies import vocabulary

_MONTH: Final = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])")
DEFAULT_ROWS: Final = "tactic"
# Tactics by year: the central table of the field.
DEFAULT_COLUMNS: Final = "year"


def _month(value: str) -> Month | None:
    if not value:
        return None
    match = _MONTH.fullmatch(value.strip())
    if match is None:
        raise forms.ValidationError(_("Enter a month as YYYY-MM, for example 2024-03."), code="month")
    return Month(int(match["year"]), int(match["month"]))


def host_choices() -> list[tuple[str, str]]:
    """Every host country, each followed by its regions ("Japan — Tokyo")."""
    choices: list[tuple[str, str]] = []
    for country in vocabulary("host_countries").terms:
        country_label = gettext(country.label)
        choices.append((country.code, country_label))
        for region in country.children:
            # Translators: a place in a list of host countries and regions, e.g. "Japan — Tokyo".
            label = gettext("%(country)s — %(region)s") % {
                "country": country_label,
                "region": gettext(region.label),
            }
            choices.append((region.code, label))
    return choices


class PeriodForm(forms.Form):
    """A form with ``start`` and ``end`` months (``YYYY-MM``) and choice fields filled in ``__init__``."""

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared by the subclass
        return field

    def clean_start(self) -> Month | None:
        return _month(self.cleaned_data["start"])

    def clean_end(self) -> Month | None:
        return _month(self.cleaned_data["end"])


class DashboardForm(PeriodForm):
    """The dashboard's filters and cross-tabulation, sent as a plain GET form."""

    start = forms.CharField(
        label=_("From month"), required=False, max_length=7, help_text=_("YYYY-MM, for example 2023-01.")
    )
    end = forms.CharField(
        label=_("To month"), required=False, max_length=7, help_text=_("YYYY-MM, for example 2024-12.")
    )
    community = forms.ChoiceField(label=_("Community"), required=False)
    host = forms.ChoiceField(label=_("Host country or region"), required=False)
    tactic = forms.ChoiceField(label=_("Tactic"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    rows = forms.ChoiceField(label=_("Cross-tabulation rows"), required=False)
    columns = forms.ChoiceField(label=_("Cross-tabulation columns"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self._choice("community").choices = [*any_, *vocabulary("communities").choices()]
        self._choice("host").choices = [*any_, *host_choices()]
        self._choice("tactic").choices = [*any_, *vocabulary("tactics").choices()]
        self._choice("source").choices = [*any_, *IntakeChannel.choices]
        dimensions = [(name, str(dimension.label)) for name, dimension in DIMENSIONS.items()]
        self._choice("rows").choices = dimensions
        self._choice("columns").choices = dimensions

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last month cannot come before the first."))
        rows = data.get("rows") or DEFAULT_ROWS
        columns = data.get("columns") or DEFAULT_COLUMNS
        if rows == columns and not DIMENSIONS[rows].multi:
            self.add_error("columns", _("Choose a different dimension for the columns."))
        return data

    def filters(self) -> AnalyticsFilters:
        """The valid filters; a field with an error is left out (the page says which)."""
        data = getattr(self, "cleaned_data", {})
        host = data.get("host") or ""
        country = host.split("-", 1)[0]
        return AnalyticsFilters(
            start=data.get("start"),
            end=data.get("end"),
            community=data.get("community") or "",
            host_country=country,
            host_region=host if host != country else "",
            tactic=data.get("tactic") or "",
            intake_channel=data.get("source") or "",
        )

    def crosstab(self) -> tuple[str, str]:
        data = getattr(self, "cleaned_data", {})
        rows = data.get("rows") or DEFAULT_ROWS
        columns = data.get("columns") or DEFAULT_COLUMNS
        if "columns" in self.errors or (rows == columns and not DIMENSIONS[rows].multi):
            return DEFAULT_ROWS, DEFAULT_COLUMNS
        return rows, columns
