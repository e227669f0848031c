from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.analytics.surveys.indicators import indicator_choices
from longarm.taxonomy.vocabularies import vocabulary


class _DateInput(forms.DateInput):
    input_type = "date"


class CampaignForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Shown to respondents exactly as you write it, for example “Uyghurs in the UK, 2026”."),
    )
    community = forms.ChoiceField(label=_("Community surveyed"))
    host_country = forms.ChoiceField(label=_("Country where they live"))
    opens_on = forms.DateField(label=_("Opens on"), widget=_DateInput)
    closes_on = forms.DateField(label=_("Closes on (inclusive)"), widget=_DateInput)
    indicators = forms.MultipleChoiceField(
        label=_("Indicators"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each is a yes or no derived from the coded answers to the questionnaire."),
        error_messages={"required": _("Choose at least one indicator.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("community", vocabulary("communities").choices()),
            ("host_country", vocabulary("host_countries").choices()),
            ("indicators", indicator_choices()),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101 - the fields are declared above
            field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("A campaign cannot close before it opens."))
        return data
