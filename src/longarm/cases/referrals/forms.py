from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from longarm.cases.models import Case, Person, PersonRole, ReferralKind, ReferralStatus
from longarm.cases.referrals.choices import SupportType
from longarm.cases.referrals.provisions import jurisdiction_choices, provision_choices_of
from longarm.cases.referrals.services import ReferralInput
from longarm.core.text_fields import MultilineTextField
from longarm.intake.forms import MAX_TEXT

MAX_LINE = 120


def _not_in_the_future(value: date) -> None:
    # A day of grace: "today" for a caseworker east of UTC is already tomorrow on the server's clock.
    if value > timezone.now().date() + timedelta(days=1):
        raise ValidationError(_("The date cannot be in the future."), code="future")


def _date(label: StrOrPromise, *, required: bool = False, help_text: StrOrPromise = "") -> forms.DateField:
    """A day something happened to a referral (sent, answered, closed): never after today, in the console
    and in the API, which validates with these forms; a referral's history and its dossier read in order."""
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[_not_in_the_future],
    )


def _text(label: StrOrPromise, *, required: bool = False, help_text: StrOrPromise = "") -> forms.CharField:
    return MultilineTextField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )


def _line(label: StrOrPromise, *, required: bool = False, help_text: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=MAX_LINE,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PersonChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # stubs' generic
    def label_from_instance(self, obj: Person) -> str:
        return obj.label


class ReferralForm(forms.Form):
    kind: ReferralKind

    def __init__(self, *args: Any, case: Case, identity_holder: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.identity_holder = identity_holder

    def to_input(self) -> ReferralInput:
        raise NotImplementedError


class CriminalReferralForm(ReferralForm):
    kind = ReferralKind.CRIMINAL
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=jurisdiction_choices)
    provisions = forms.MultipleChoiceField(
        label=_("Legal provisions"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Provisions of the jurisdiction chosen above. They are tags, not legal advice."),
        error_messages={"invalid_choice": _("Choose only provisions of the jurisdiction of the referral.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chosen_jurisdiction = self._chosen_jurisdiction()
        field = cast(forms.MultipleChoiceField, self.fields["provisions"])
        # Only the chosen jurisdiction's provisions are offered: a police force in Turkey has no use for a
        # tag citing the UK's National Security Act.
        field.choices = provision_choices_of(self.chosen_jurisdiction)
        self.fields["jurisdiction"].initial = self.chosen_jurisdiction

    def _chosen_jurisdiction(self) -> str:
        known = {code for code, _name in jurisdiction_choices()}
        asked = self.data.get("jurisdiction") if self.is_bound else self.initial.get("jurisdiction")
        if asked in known:
            return str(asked)
        for country in self.case.incidents.exclude(host_country="").values_list("host_country", flat=True):
            if country.lower() in known:
                return str(country.lower())
        return jurisdiction_choices()[0][0]

    agency = _line(_("Police force or agency"), required=True)
    reference_number = _line(_("Their reference number"), help_text=_("Stored encrypted."))
    sent_on = _date(_("Date sent"), help_text=_("Leave empty while the referral is a draft."))
    note = _text(_("Note"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        jurisdiction = cleaned.get("jurisdiction")
        if jurisdiction and any(
            not value.startswith(f"{jurisdiction}:") for value in cleaned.get("provisions", [])
        ):
            self.add_error("provisions", _("Choose only provisions of the jurisdiction of the referral."))
        return cleaned

    def to_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(
            kind=self.kind,
            jurisdiction=data["jurisdiction"],
            provisions=data["provisions"],
            agency=data["agency"],
            sent_on=data["sent_on"],
            details={"reference_number": data["reference_number"], "note": data["note"]},
        )


class ProtectionReferralForm(ReferralForm):
    kind = ReferralKind.PROTECTION
    sent_on = _date(_("Date the advice was given"), required=True)
    advised_by = _line(
        _("Advice given by"), required=True, help_text=_("A colleague, a lawyer or an organisation.")
    )
    agency = _line(_("Organisation"), help_text=_("For example a refugee council or legal clinic."))
    advice = _text(_("Asylum or refugee advice given"), required=True)

    def to_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(
            kind=self.kind,
            agency=data["agency"],
            sent_on=data["sent_on"],
            details={"advised_by": data["advised_by"], "note": data["advice"]},
        )


class WelfareReferralForm(ReferralForm):
    kind = ReferralKind.WELFARE
    agency = _line(
        _("Ministry"), required=True, help_text=_("The foreign ministry the inquiry goes to, and the desk.")
    )
    relatives = PersonChoiceField(
        label=_("Relatives concerned"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("By their pseudonym on this case."),
    )
    relatives_names = _text(
        _("Names of the relatives"),
        help_text=_("Encrypted under the case's identity key: only identity holders can read them."),
    )
    sent_on = _date(_("Date sent"))
    note = _text(_("Note"))

    def __init__(self, *args: Any, case: Case, identity_holder: bool, **kwargs: Any) -> None:
        super().__init__(*args, case=case, identity_holder=identity_holder, **kwargs)
        relatives = cast(PersonChoiceField, self.fields["relatives"])
        relatives.queryset = Person.objects.filter(case=case, role=PersonRole.RELATIVE)
        if not identity_holder:
            # Writing names needs the identity key; without it the form offers pseudonyms only.
            del self.fields["relatives_names"]

    def to_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(
            kind=self.kind,
            agency=data["agency"],
            sent_on=data["sent_on"],
            details={
                "relatives": [
                    {"id": str(person.public_id), "label": person.label} for person in data["relatives"]
                ],
                "note": data["note"],
            },
            relatives_names=data.get("relatives_names", ""),
        )


class SupportReferralForm(ReferralForm):
    kind = ReferralKind.SUPPORT
    support_type = forms.ChoiceField(label=_("Kind of support"), choices=SupportType.choices)
    agency = _line(_("Service or organisation"), required=True)
    sent_on = _date(_("Date referred"))
    note = _text(_("Note"))

    def to_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(
            kind=self.kind,
            support_type=data["support_type"],
            agency=data["agency"],
            sent_on=data["sent_on"],
            details={"note": data["note"]},
        )


FORMS: dict[str, type[ReferralForm]] = {
    form.kind.value: form
    for form in (CriminalReferralForm, ProtectionReferralForm, WelfareReferralForm, SupportReferralForm)
}


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    on = _date(_("Date"), required=True)
    note = _text(_("Response or follow-up"), help_text=_("Stored encrypted."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.now().date()


class DoNotRemoveForm(forms.Form):
    do_not_remove = forms.BooleanField(
        label=_("Do not remove: tell immigration liaison this person must not be removed from the country"),
        required=False,
    )
