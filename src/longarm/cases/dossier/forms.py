from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from longarm.cases.dossier.evidence import EvidenceEntry
from longarm.cases.dossier.requests import investigators
from longarm.cases.dossier.services import DOSSIER_LANGUAGES, DossierChoice
from longarm.cases.models import Case, Incident
from longarm.core.text_fields import MultilineTextField
from longarm.intake.forms import MAX_TEXT
from longarm.taxonomy.vocabularies import vocabulary


def _incident_label(incident: Incident) -> str:
    when = "-".join(
        f"{part:02d}" if index else str(part)
        for index, part in enumerate((incident.year, incident.month, incident.day))
        if part
    ) or _("date unknown")
    tactics = vocabulary("tactics")
    names = "; ".join(
        tactics.staff_label(code) if code in tactics.codes() else code for code in incident.tactics
    )
    return _("%(when)s: %(tactics)s") % {"when": when, "tactics": names or _("no tactic coded")}


class DossierForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the dossier"),
        help_text=gettext_lazy("The language of the police or immigration officer who will read it."),
    )
    include_referral = forms.BooleanField(
        label=gettext_lazy("The referral: agency, provisions, reference number and history"),
        required=False,
        initial=True,
    )
    include_identifiers = forms.BooleanField(
        label=gettext_lazy("Identifiers (phone numbers, accounts, badges), with the cases they link to"),
        required=False,
        initial=True,
    )
    include_reporter_words = forms.BooleanField(
        label=gettext_lazy("The reporters' own words of what happened"),
        required=False,
        initial=False,
        help_text=gettext_lazy("Only of the reports whose reporter consented to a referral."),
    )
    translation = MultilineTextField(
        label=gettext_lazy("Your translation of the reporters' words"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
        help_text=gettext_lazy("Printed beside the original, marked as the caseworker's translation."),
    )
    incidents = forms.MultipleChoiceField(
        label=gettext_lazy("Incidents"), required=False, widget=forms.CheckboxSelectMultiple
    )
    persons = forms.MultipleChoiceField(
        label=gettext_lazy("Persons"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Names appear only if you hold the case's identity key."),
    )
    evidence = forms.MultipleChoiceField(
        label=gettext_lazy("Evidence (listed with SHA-256 hashes and sizes)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, case: Case, evidence: list[EvidenceEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = [(code, name) for code, name in settings.LANGUAGES if code in DOSSIER_LANGUAGES]
        language.initial = get_language() if get_language() in DOSSIER_LANGUAGES else DOSSIER_LANGUAGES[0]
        incidents = cast(forms.ChoiceField, self.fields["incidents"])
        persons = cast(forms.ChoiceField, self.fields["persons"])
        items = cast(forms.ChoiceField, self.fields["evidence"])
        incidents.choices = [(str(item.pk), _incident_label(item)) for item in case.incidents.all()]
        persons.choices = [
            (str(person.pk), f"{person.label} ({person.get_role_display()})") for person in case.persons.all()
        ]
        items.choices = [
            (entry.public_id, f"{entry.name or entry.public_id[:8]} · {entry.kind} · {entry.size}")
            for entry in evidence
        ]

    def choice(self) -> DossierChoice:
        data = self.cleaned_data
        return DossierChoice(
            incident_ids=[int(value) for value in data["incidents"]],
            person_ids=[int(value) for value in data["persons"]],
            evidence_ids=list(data["evidence"]),
            include_referral=data["include_referral"],
            include_identifiers=data["include_identifiers"],
            include_reporter_words=data["include_reporter_words"],
            translation=data["translation"],
            language=data["language"],
        )


class DossierRequestForm(forms.Form):
    investigator = forms.ModelChoiceField(
        label=gettext_lazy("Investigator"),
        queryset=investigators(),
        help_text=gettext_lazy("If they do not hold the case yet, it is shared with them."),
    )
