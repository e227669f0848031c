from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.analytics.dimensions import DIMENSIONS
from longarm.analytics.forms import PeriodForm
from longarm.analytics.publication.models import NoiseMechanism
from longarm.analytics.queries import AnalyticsFilters
from longarm.core.text_fields import MultilineTextField
from longarm.taxonomy.vocabularies import vocabulary


def _any(choices: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class ReleaseTableForm(PeriodForm):
    rows = forms.ChoiceField(label=_("Rows"))
    columns = forms.ChoiceField(label=_("Columns"), required=False)
    start = forms.CharField(label=_("From month (YYYY-MM)"), required=False, max_length=7)
    end = forms.CharField(label=_("To month (YYYY-MM)"), required=False, max_length=7)
    community = forms.ChoiceField(label=_("Community"), required=False)
    host_country = forms.ChoiceField(label=_("Host country"), required=False)
    tactic = forms.ChoiceField(label=_("Tactic"), required=False)
    mechanism = forms.ChoiceField(
        label=_("Differential privacy"),
        choices=NoiseMechanism.choices,
        initial=NoiseMechanism.NONE,
        widget=forms.RadioSelect,
    )
    epsilon = forms.FloatField(
        label=_("Epsilon"),
        required=False,
        min_value=0.001,
        max_value=10,
        help_text=_("The privacy loss this release spends. Smaller means more noise."),
    )
    delta = forms.FloatField(
        label=_("Delta (Gaussian noise only)"), required=False, min_value=1e-12, max_value=1e-3, initial=1e-7
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dimensions = [(name, str(dimension.label)) for name, dimension in DIMENSIONS.items()]
        self._choice("rows").choices = dimensions
        self._choice("columns").choices = [("", _("None (a one-way table)")), *dimensions]
        for name, vocabulary_name in (
            ("community", "communities"),
            ("host_country", "host_countries"),
            ("tactic", "tactics"),
        ):
            self._choice(name).choices = _any(vocabulary(vocabulary_name).choices())

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        assert data is not None  # noqa: S101 - Form.clean returns cleaned_data
        mechanism = data.get("mechanism")
        if mechanism and mechanism != NoiseMechanism.NONE and data.get("epsilon") is None:
            self.add_error("epsilon", _("Noise needs an epsilon."))
        if mechanism == NoiseMechanism.GAUSSIAN and data.get("delta") is None:
            self.add_error("delta", _("Gaussian noise needs a delta."))
        rows, columns = data.get("rows"), data.get("columns")
        if rows and columns and rows == columns and not DIMENSIONS[rows].multi:
            self.add_error("columns", _("Choose a different dimension for the columns."))
        return data

    def preview_key(self) -> str:
        """The settings that fix the noise: a proposal spends budget only after its preview showed them."""
        data = self.cleaned_data
        delta = data.get("delta") if data.get("mechanism") == NoiseMechanism.GAUSSIAN else None
        settings = (data.get("mechanism"), data.get("epsilon"), delta, data.get("rows"), data.get("columns"))
        return "|".join(str(value) for value in settings)

    def filters(self) -> AnalyticsFilters:
        data = self.cleaned_data
        return AnalyticsFilters(
            start=data["start"],
            end=data["end"],
            community=data["community"],
            host_country=data["host_country"],
            tactic=data["tactic"],
        )


class ReasonForm(forms.Form):
    reason = MultilineTextField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the release for staff; it is not published."),
        error_messages={"required": _("Give a reason.")},
    )


class DecisionForm(ReasonForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])


class WithdrawalForm(ReasonForm):
    pass
