from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from longarm.cases.dossier.evidence import EvidenceEntry
from longarm.cases.dossier.services import DossierChoice
from longarm.cases.models import Case, Incident
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
    include_referral = forms.BooleanField(
        label=gettext_lazy("The referral: agency, provisions, reference number and history"),
        required=False,
        initial=True,
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
        incidents = cast(forms.ChoiceField, self.fields["incidents"])
        persons = cast(forms.ChoiceField, self.fields["persons"])
        items = cast(forms.ChoiceField, self.fields["evidence"])
        incidents.choices = [(str(item.pk), _incident_label(item)) for item in case.incidents.all()]
        persons.choices = [
            (str(person.pk), f"{person.label} ({person.get_role_display()})") for person in case.persons.all()
        ]
        items.choices = [
            (entry.public_id, f"{entry.public_id[:8]} · {entry.kind} · {entry.size}") for entry in evidence
        ]

    def choice(self) -> DossierChoice:
        data = self.cleaned_data
        return DossierChoice(
            incident_ids=[int(value) for value in data["incidents"]],
            person_ids=[int(value) for value in data["persons"]],
            evidence_ids=list(data["evidence"]),
            include_referral=data["include_referral"],
        )
