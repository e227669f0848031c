import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from longarm.accounts.models import StaffUser
from longarm.cases.from_reports import MAX_REPORTS
from longarm.cases.models import ALLOWED_TRANSITIONS, Case, CaseStatus
from longarm.cases.selectors import CaseFilters
from longarm.core.text_fields import MultilineTextField
from longarm.intake.forms import MAX_TEXT
from longarm.intake.models import Urgency
from longarm.taxonomy.vocabularies import vocabulary

_PRIVATE = {"autocomplete": "off", "spellcheck": "false"}
# Most reports one inbox form acts on: what one case is opened from at once.
MAX_SELECTED = MAX_REPORTS


def typed_field[F: forms.Field](form: forms.Form, name: str, kind: type[F]) -> F:
    """A declared field as its own class, for setting choices or a queryset at run time."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(name)
    return field


# A filter value from an edited or out-of-date link.
_IGNORED = {"invalid_choice": _("This is not one of the choices, so this filter was not applied.")}


def _any(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search the text of cases you can read"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_PRIVATE),
        help_text=_("Words in summaries, notes, incidents, people and the reports sealed to you."),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(CaseStatus.choices), error_messages=_IGNORED
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=_any(Urgency.choices), error_messages=_IGNORED
    )
    community = forms.ChoiceField(label=_("Community"), required=False, error_messages=_IGNORED)
    host_country = forms.ChoiceField(label=_("Host country"), required=False, error_messages=_IGNORED)
    tactic = forms.ChoiceField(label=_("Tactic"), required=False, error_messages=_IGNORED)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    due_soon = forms.BooleanField(label=_("Due within a week"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, vocabulary_name in (
            ("community", "communities"),
            ("host_country", "host_countries"),
            ("tactic", "tactics"),
        ):
            typed_field(self, name, forms.ChoiceField).choices = _any(
                vocabulary(vocabulary_name).staff_choices()
            )

    def _valid(self) -> dict[str, Any]:
        """The values of the fields that are valid: a bad value (an edited or stale link) filters nothing
        and shows its error, and the other filters still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filters(self) -> CaseFilters:
        data = self._valid()
        return CaseFilters(
            status=data.get("status", ""),
            urgency=data.get("urgency", ""),
            community=data.get("community", ""),
            host_country=data.get("host_country", ""),
            tactic=data.get("tactic", ""),
            mine=data.get("mine", False),
            due_soon=data.get("due_soon", False),
        )

    def text(self) -> str:
        return str(self._valid().get("q", ""))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CaseStatus.choices)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS[CaseStatus(case.status)]
        typed_field(self, "status", forms.ChoiceField).choices = [
            (value, label) for value, label in CaseStatus.choices if value in allowed
        ]


class TriageForm(forms.Form):
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    due_on = forms.DateField(
        label=_("Due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    do_not_remove = forms.BooleanField(label=_("Do not remove: flag for immigration liaison"), required=False)


class SummaryForm(forms.Form):
    summary = MultilineTextField(
        label=_("Summary"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 4}),
    )


class NoteForm(forms.Form):
    text = MultilineTextField(
        label=_("New note"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 4}),
        error_messages={"required": _("The note is empty.")},
    )


class _ColleagueField(forms.ModelChoiceField[StaffUser]):
    def label_from_instance(self, obj: StaffUser) -> str:
        return f"{obj.username} ({obj.get_role_display()})"


class GrantForm(forms.Form):
    grantee = _ColleagueField(
        label=_("Give access to"), queryset=StaffUser.objects.none(), empty_label=_("Choose a colleague…")
    )

    def __init__(self, *args: Any, colleagues: QuerySet[StaffUser], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        typed_field(self, "grantee", _ColleagueField).queryset = colleagues


class MergeForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("Case to merge into this one"),
        queryset=Case.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose a case…"),
        help_text=_(
            "Its reports, incidents, people, identifiers, notes and referrals move here; "
            "then that case is deleted."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I have checked that both cases are about the same person or campaign."),
        error_messages={"required": _("Please confirm before merging.")},
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        typed_field(self, "source", forms.ModelChoiceField).queryset = cases


class ReportSelectionForm(forms.Form):
    """Reports ticked in the inbox, for one case to be opened from them or for an existing case (given by
    its reference) to take them; the confirmation page's box is ``core.confirm``'s."""

    reports = forms.TypedMultipleChoiceField(
        coerce=uuid.UUID, widget=forms.MultipleHiddenInput, error_messages={"required": _("Tick a report.")}
    )
    case = forms.CharField(label=_("Case reference"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any well-formed id is a choice: whether the reader holds the report is the view's question.
        ticked = self.data.getlist("reports") if hasattr(self.data, "getlist") else []
        typed_field(self, "reports", forms.TypedMultipleChoiceField).choices = [
            (value, value) for value in ticked
        ]

    def clean_reports(self) -> list[uuid.UUID]:
        reports: list[uuid.UUID] = self.cleaned_data["reports"]
        if len(reports) > MAX_SELECTED:
            raise forms.ValidationError(_("Tick at most %(count)d reports.") % {"count": MAX_SELECTED})
        return list(dict.fromkeys(reports))
