import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from longarm.cases.casework.forms import typed_field
from longarm.cases.coding.services import IDENTITY_ROLES, IncidentInput, PersonInput
from longarm.cases.models import Case, IdentifierKind, Involvement, Person, PersonRole
from longarm.core.text_fields import MultilineTextField
from longarm.intake.forms import EARLIEST_YEAR, MAX_LINE, MAX_TEXT
from longarm.taxonomy.vocabularies import all_region_choices, vocabulary

_PRIVATE = {"autocomplete": "off", "spellcheck": "false"}
_CODED = (
    ("tactics", "tactics"),
    ("channels", "channels"),
    ("actors", "actors"),
    ("harms", "harms"),
)
# Involvement fields of the incident form, by kind.
_INVOLVEMENTS = (
    ("targets", Involvement.Kind.TARGET),
    ("perpetrators", Involvement.Kind.PERPETRATOR),
    ("intermediaries", Involvement.Kind.INTERMEDIARY),
    ("witnesses", Involvement.Kind.WITNESS),
)


def _line(label: Any, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_LINE,
        help_text=help_text,
        widget=forms.TextInput(attrs=_PRIVATE),
    )


def _several(label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, required=False, widget=forms.CheckboxSelectMultiple)


class IncidentForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    month = forms.TypedChoiceField(
        label=_("Month"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Unknown")), *[(str(month), str(month)) for month in range(1, 13)]],
    )
    day = forms.TypedChoiceField(
        label=_("Day"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Unknown")), *[(str(day), str(day)) for day in range(1, 32)]],
    )
    approximate = forms.BooleanField(label=_("The date is approximate"), required=False)
    tactics = _several(_("Tactics"))
    channels = _several(_("Channels"))
    actors = _several(_("Actors"))
    harms = _several(_("Harms"))
    host_country = forms.ChoiceField(label=_("Host country"), required=False)
    host_region = forms.ChoiceField(label=_("Host region"), required=False)
    origin_region = forms.ChoiceField(
        label=_("Origin region (where relatives were targeted)"), required=False
    )
    description = MultilineTextField(
        label=_("What happened"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 6}),
        error_messages={"required": _("Please describe the incident.")},
    )
    targets = _several(_("Targets"))
    perpetrators = _several(_("Perpetrators"))
    intermediaries = _several(_("Intermediaries"))
    witnesses = _several(_("Witnesses"))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.persons = {str(person.public_id): person for person in case.persons.all()}
        this_year = timezone.now().year
        typed_field(self, "year", forms.ChoiceField).choices = [
            ("", _("Unknown")),
            *[(str(year), str(year)) for year in range(this_year, EARLIEST_YEAR - 1, -1)],
        ]
        for name, vocabulary_name in _CODED:
            typed_field(self, name, forms.ChoiceField).choices = vocabulary(vocabulary_name).staff_choices()
        typed_field(self, "host_country", forms.ChoiceField).choices = [
            ("", _("Unknown")),
            *vocabulary("host_countries").staff_choices(),
        ]
        typed_field(self, "host_region", forms.ChoiceField).choices = [
            ("", _("Unknown")),
            *all_region_choices(),
        ]
        typed_field(self, "origin_region", forms.ChoiceField).choices = [
            ("", _("Not applicable or unknown")),
            *vocabulary("origin_regions").staff_choices(),
        ]
        people = [
            (key, f"{person.label} ({person.get_role_display()})") for key, person in self.persons.items()
        ]
        for name, _kind in _INVOLVEMENTS:
            typed_field(self, name, forms.ChoiceField).choices = people

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, month, day = data.get("year"), data.get("month"), data.get("day")
        if month is not None and year is None:
            self.add_error("year", _("A month needs a year."))
        elif day is not None and month is None:
            self.add_error("month", _("A day needs a month."))
        elif year is not None:
            try:
                chosen = datetime.date(year, month or 1, day or 1)
            except ValueError:
                self.add_error("day", _("That day does not exist in that month."))
            else:
                if chosen > timezone.now().date():
                    self.add_error("year", _("The date cannot be in the future."))
        region, country = data.get("host_region") or "", data.get("host_country") or ""
        if region == country:
            data["host_region"] = ""
        elif region and not region.startswith(country + "-"):
            self.add_error("host_region", _("That region is not in the host country chosen."))
        return data

    def to_input(self) -> IncidentInput:
        data = self.cleaned_data
        return IncidentInput(
            year=data["year"],
            month=data["month"],
            day=data["day"],
            approximate=data["approximate"],
            tactics=data["tactics"],
            channels=data["channels"],
            actors=data["actors"],
            harms=data["harms"],
            host_country=data["host_country"],
            host_region=data["host_region"],
            origin_region=data["origin_region"],
            description=data["description"],
            involvements=[(self.persons[key], kind) for name, kind in _INVOLVEMENTS for key in data[name]],
        )


def incident_initial(incident: Any, description: str) -> dict[str, Any]:
    """The incident form's initial values for editing ``incident``."""
    initial: dict[str, Any] = {
        name: getattr(incident, name)
        for name in (
            "year",
            "month",
            "day",
            "approximate",
            "tactics",
            "channels",
            "actors",
            "harms",
            "host_country",
            "host_region",
            "origin_region",
        )
    }
    initial["description"] = description
    for name, kind in _INVOLVEMENTS:
        initial[name] = [
            str(item.person.public_id) for item in incident.involvements.all() if item.kind == kind
        ]
    return initial


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PersonRole.choices)
    label = _line(
        _("Pseudonym"),
        required=True,
        help_text=_("What everyone on the case sees, for example “Relative A” or “Officer 1”."),
    )
    name = _line(
        _("Name"),
        help_text=_(
            "A reporter's or relative's name is kept under the case's identity key: only custodians and "
            "colleagues a custodian approved can write or read it."
        ),
    )
    relationship = _line(_("Relationship to the reporter"))
    agency = _line(_("Agency or employer"))
    rank = _line(_("Rank or position"))
    badge_number = _line(_("Badge or police ID number"))
    notes = MultilineTextField(
        label=_("Notes"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 3}),
    )

    def __init__(self, *args: Any, identity_holder: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.identity_holder = identity_holder

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and data.get("role") in IDENTITY_ROLES and not self.identity_holder:
            self.add_error(
                "name",
                _(
                    "You do not hold this case's identity key, so you cannot record a reporter's or "
                    "relative's name. Use the pseudonym; a custodian can approve disclosure."
                ),
            )
        return data

    def to_input(self) -> PersonInput:
        data = self.cleaned_data
        role = PersonRole(data["role"])
        details = {key: data[key] for key in ("relationship", "agency", "rank", "badge_number", "notes")}
        identity = None
        if role in IDENTITY_ROLES:
            identity = {"name": data["name"]} if self.identity_holder else None
        else:
            details["name"] = data["name"]
        return PersonInput(role=role, label=data["label"], details=details, identity=identity)


def person_initial(
    person: Person, details: dict[str, Any], identity: dict[str, Any] | None
) -> dict[str, Any]:
    name = (identity or {}).get("name", "") if person.role in IDENTITY_ROLES else details.get("name", "")
    return {"role": person.role, "label": person.label, "name": name, **details}


class IdentifierForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IdentifierKind.choices)
    value = _line(
        _("Value"),
        required=True,
        help_text=_(
            "Kept encrypted; a keyed fingerprint of it lets the same number or ID be found in other cases. "
            "Do not enter a reporter's or relative's name here."
        ),
    )
    person = forms.ChoiceField(label=_("Belongs to"), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.persons = {str(person.public_id): person for person in case.persons.all()}
        typed_field(self, "person", forms.ChoiceField).choices = [
            ("", _("Nobody in particular")),
            *[(key, person.label) for key, person in self.persons.items()],
        ]

    def chosen_person(self) -> Person | None:
        key = self.cleaned_data.get("person") or ""
        return self.persons.get(key)
