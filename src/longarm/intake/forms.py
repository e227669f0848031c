import datetime
import functools
import secrets
from collections.abc import Collection
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from longarm.core.form_rendering import Options, Select
from longarm.core.text_fields import MultilineTextField
from longarm.crypto.receipts import normalise_receipt
from longarm.evidence.forms import evidence_files_field
from longarm.intake.answers import IncidentDate, Perpetrators, ReportAnswers
from longarm.intake.models import Consent
from longarm.taxonomy.vocabularies import host_region_choices, vocabulary

# Sensitive fields must not be remembered by the browser of a shared or seized device.
_PRIVATE = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}
_MONTHS = [
    ("1", _("January")),
    ("2", _("February")),
    ("3", _("March")),
    ("4", _("April")),
    ("5", _("May")),
    ("6", _("June")),
    ("7", _("July")),
    ("8", _("August")),
    ("9", _("September")),
    ("10", _("October")),
    ("11", _("November")),
    ("12", _("December")),
]
EARLIEST_YEAR = 1990
MAX_TEXT = 20_000
MAX_LINE = 500


def _optional_text(
    label: StrOrPromise,
    *,
    rows: int | None = None,
    help_text: StrOrPromise = "",
    max_length: int = MAX_LINE,
    left_to_right: bool = False,
) -> forms.CharField:
    """``left_to_right``: numbers and IDs (a phone number, a WeChat ID), typed and shown left to right on a
    right-to-left page, where "+86 138 0013 8000" would otherwise read "8000 0013 138 86+"."""
    attrs = {**_PRIVATE, "dir": "ltr"} if left_to_right else _PRIVATE
    widget: forms.Widget = (
        forms.Textarea(attrs={**attrs, "rows": rows}) if rows else forms.TextInput(attrs=attrs)
    )
    field = MultilineTextField if rows else forms.CharField
    return field(label=label, required=False, max_length=max_length, widget=widget, help_text=help_text)


# One question for what the reporter allows (issue 14): each choice says both what caseworkers may do and
# whether the coded answers count in statistics, so the two stored values can no longer contradict each other.
REPORTER_CHOICES: dict[str, tuple[Consent, bool]] = {
    "review": (Consent.REVIEW, True),
    "review_not_counted": (Consent.REVIEW, False),
    "referral": (Consent.REFERRAL, True),
    "identity": (Consent.IDENTITY, True),
    "statistics_only": (Consent.STATISTICS_ONLY, True),
}
_REPORTER_CHOICE_LABELS = {
    "review": _("Caseworkers may read it and reply to me."),
    "review_not_counted": _(
        "Caseworkers may read it and reply to me, but it must not be counted in statistics."
    ),
    "referral": _(
        "Caseworkers may read it and reply to me, and pass it to the police for a criminal investigation, "
        "without my identity."
    ),
    "identity": _(
        "Caseworkers may read it and reply to me, and pass it to the police together with my identity."
    ),
    "statistics_only": _("No one may read it: only count it in anonymous statistics."),
}


def consent_field() -> forms.ChoiceField:
    """The one question for what the reporter allows, with what each answer means for statistics."""
    return forms.ChoiceField(
        label=_("What may we do with your report?"),
        help_text=_(
            "Unless you choose otherwise, its coded answers — the type of pressure, your community, "
            "region and month, never your words or any names — also count in anonymous statistics."
        ),
        choices=list(_REPORTER_CHOICE_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose what we may do with your report.")},
    )


@functools.lru_cache(maxsize=32)
def _choice_lists(language: str, this_year: int) -> dict[str, Options]:
    """The questionnaire's choices in ``language`` (the active one), built once per language and year: every
    step page and every posted step needs them, and building them anew cost a good part of a step's time.
    As ``Options``, each list is shared by every form rather than copied into each, and a ``<select>`` writes
    its options from markup made once (``core.form_rendering``)."""
    lists: dict[str, list[Any]] = {
        "incident_year": [
            ("", _("I don't know")),
            *[(str(year), str(year)) for year in range(this_year, EARLIEST_YEAR - 1, -1)],
        ],
        "incident_month": [("", _("I don't know")), *_MONTHS],
        "incident_day": [("", _("I don't know")), *[(str(day), str(day)) for day in range(1, 32)]],
        "host_country": [("", _("Choose…")), *vocabulary("host_countries").choices()],
        "host_region": [("", _("Prefer not to say")), *host_region_choices()],
        "actor_types": vocabulary("actors").choices(),
        "channels": vocabulary("channels").choices(),
        "tactics": vocabulary("reporter_tactics").choices(),
        "community": [("", _("Prefer not to say")), *vocabulary("communities").choices()],
    }
    return {name: Options(choices) for name, choices in lists.items()}


@functools.lru_cache(maxsize=2048)
def _region_options(language: str, country: str) -> Options:
    """One host country's regions in ``language`` (the active one), for the step that asks the region."""
    return Options([("", _("Prefer not to say")), *host_region_choices(country)])


class ReportForm(forms.Form):
    # Questions whose long hint is shown folded (core/_help.html), so that its step stays short on a phone.
    collapsed_help: frozenset[str] = frozenset({"attachments"})

    what_happened = MultilineTextField(
        label=_("What happened?"),
        help_text=_(
            "In your own words and your own language. Write as much or as little as you are comfortable with."
        ),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 8}),
        error_messages={"required": _("Please tell us briefly what happened.")},
    )
    # Every list of choices is set per form, in the active language (_choice_lists).
    incident_year = forms.TypedChoiceField(
        label=_("Year"), required=False, coerce=int, empty_value=None, widget=Select
    )
    incident_month = forms.TypedChoiceField(
        label=_("Month"), required=False, coerce=int, empty_value=None, widget=Select
    )
    incident_day = forms.TypedChoiceField(
        label=_("Day"), required=False, coerce=int, empty_value=None, widget=Select
    )
    date_is_approximate = forms.BooleanField(label=_("This date is approximate"), required=False)
    host_country = forms.ChoiceField(
        label=_("Which country do you live in?"),
        error_messages={"required": _("Please choose the country you live in.")},
        widget=Select,
    )
    host_region = forms.ChoiceField(
        label=_("Region (optional)"),
        required=False,
        help_text=_("Only the region, never your town or address."),
        widget=Select,
    )
    actor_types = forms.MultipleChoiceField(
        label=_("Who contacted you or your family?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        label=_("How did they contact you or your family?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tactics = forms.MultipleChoiceField(
        label=_("What did they do?"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose everything that applies."),
        error_messages={"required": _("Please choose at least one thing that happened, or “Other”.")},
    )
    tactic_other = _optional_text(_("If “Other”, what?"))
    relatives_at_risk = _optional_text(
        _("Relatives at risk (optional)"),
        rows=3,
        help_text=_(
            "Names and where they live. Kept under a separate lock that caseworkers cannot open "
            "without approval."
        ),
    )
    perpetrator_names = _optional_text(_("Names of officers or other people who contacted you (optional)"))
    perpetrator_phone_numbers = _optional_text(_("Their phone numbers (optional)"), left_to_right=True)
    perpetrator_wechat_ids = _optional_text(_("Their WeChat IDs (optional)"), left_to_right=True)
    perpetrator_badge_numbers = _optional_text(_("Police badge or ID numbers (optional)"), left_to_right=True)
    perpetrator_other = _optional_text(
        _("Anything else you know about them (optional)"), rows=3, max_length=MAX_TEXT
    )
    community = forms.ChoiceField(label=_("Your community (optional)"), required=False, widget=Select)
    contact = _optional_text(
        _("How can we contact you safely? (optional)"),
        rows=2,
        help_text=_("Only if you want us to. You can also just come back with your receipt number."),
    )
    consent = consent_field()
    attachments = evidence_files_field()
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # A survey campaign's public link key (``longarm.analytics.surveys``); a wrong one only means not counted.
    campaign = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, country: str = "", **kwargs: Any) -> None:
        """``country``: the host country already answered, whose regions alone the region list offers."""
        super().__init__(*args, **kwargs)
        # Only the fields this form has (a step asks a few): the region list alone is a few hundred options.
        language = get_language() or ""
        for name, choices in _choice_lists(language, timezone.now().year).items():
            field = self.fields.get(name)
            if isinstance(field, forms.ChoiceField):
                field.choices = (
                    _region_options(language, country) if name == "host_region" and country else choices
                )
        if not self.is_bound and "submission_token" in self.fields:
            self.initial.setdefault("submission_token", secrets.token_urlsafe(32))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, month, day = data.get("incident_year"), data.get("incident_month"), data.get("incident_day")
        if month is not None and year is None:
            self.add_error("incident_year", _("If you know the month, please also choose the year."))
        elif day is not None and month is None:
            self.add_error("incident_month", _("If you know the day, please also choose the month."))
        elif year is not None:
            try:
                chosen = datetime.date(year, month or 1, day or 1)
            except ValueError:
                self.add_error("incident_day", _("That day does not exist in that month."))
            else:
                if chosen > timezone.now().date():
                    self.add_error("incident_year", _("The date cannot be in the future."))
        region, country = data.get("host_region") or "", data.get("host_country") or ""
        if region == country:
            # Countries without regions appear in the region list as themselves.
            data["host_region"] = ""
        elif region and country and not region.startswith(country + "-"):
            self.add_error("host_region", _("That region is not in the country you chose."))
        if "other" in (data.get("tactics") or []) and not data.get("tactic_other"):
            self.add_error("tactic_other", _("Please say briefly what else happened."))
        return data

    def consent_and_statistics(self) -> tuple[Consent, bool]:
        """What the one consent choice means for the two stored values; call on a valid form."""
        return REPORTER_CHOICES[self.cleaned_data["consent"]]

    def answers(self) -> ReportAnswers:
        """The answers as the report stores them; call on a valid form."""
        data = self.cleaned_data
        return ReportAnswers(
            what_happened=data["what_happened"],
            incident_date=IncidentDate(
                year=data["incident_year"],
                month=data["incident_month"],
                day=data["incident_day"],
                approximate=data["date_is_approximate"],
            ),
            host_country=data["host_country"],
            host_region=data["host_region"],
            actor_types=tuple(data["actor_types"]),
            channels=tuple(data["channels"]),
            tactics=tuple(data["tactics"]),
            tactic_other=data["tactic_other"],
            community=data["community"],
            perpetrators=Perpetrators(
                names=data["perpetrator_names"],
                phone_numbers=data["perpetrator_phone_numbers"],
                wechat_ids=data["perpetrator_wechat_ids"],
                badge_numbers=data["perpetrator_badge_numbers"],
                other=data["perpetrator_other"],
            ),
            relatives_at_risk=data["relatives_at_risk"],
            contact=data["contact"],
        )


class ReceiptField(forms.CharField):
    default_error_messages = {  # noqa: RUF012 - Django's own convention for error messages
        "invalid": _("A receipt number has 20 digits. Check what you wrote and try again."),
    }

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        normalised = normalise_receipt(text)
        if normalised is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return normalised


def _receipt_widget() -> forms.TextInput:
    return forms.TextInput(attrs={**_PRIVATE, "inputmode": "numeric", "dir": "ltr"})


class ReviewForm(forms.Form):
    """The last step: what the reporter allows, and the receipt typed back before the report is sent, so that
    it is written down before anything depends on it (SecureDrop shows its codename before the first
    submission for the same reason)."""

    collapsed_help: frozenset[str] = frozenset({"consent"})

    typed_receipt = ReceiptField(
        label=_("Type your receipt number again to show you have written it down"),
        widget=_receipt_widget(),
        error_messages={"required": _("Please type your receipt number.")},
    )
    # Random, not an answer: a report sent twice (a double tap, Back and Send again) is stored once.
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Asked beside Send: what the reporter chooses is what is sent.
    consent = consent_field()

    def consent_and_statistics(self) -> tuple[Consent, bool]:
        """What the reporter's one choice means for the two stored values; call on a valid form."""
        return REPORTER_CHOICES[self.cleaned_data["consent"]]


class ReceiptLoginForm(forms.Form):
    receipt = ReceiptField(
        label=_("Your receipt number"),
        widget=_receipt_widget(),
        error_messages={"required": _("Please type your receipt number.")},
    )
    # A message typed in the mailbox after its session ended, carried by this page only (never stored) until
    # the report is open again, then put back in the message box (intake.views.mailbox).
    unsent = MultilineTextField(
        label=_("Your message, not sent yet"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 5}),
        help_text=_(
            "It goes back in the message box when your report opens; it is sent only when you press Send."
        ),
    )


class MessageForm(forms.Form):
    text = MultilineTextField(
        label=_("Your message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 5}),
        error_messages={"required": _("The message is empty.")},
    )
    # One message per token (``gate.services.once_spend``): a double tap or a reload stores it once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = secrets.token_urlsafe(24)


class ReporterReportForm(ReportForm):
    """The reporter's questionnaire, asked in steps (``intake.steps``): no consent (``ReviewForm`` asks it),
    token, campaign or files, which the steps keep themselves. ``fields`` limits it to one step's questions;
    ``country`` (the one answered on an earlier step) limits the region list to that country's regions.
    """

    def __init__(
        self, *args: Any, fields: Collection[str] | None = None, country: str = "", **kwargs: Any
    ) -> None:
        # Only this step's fields are copied for the form, not the whole questionnaire's (Django deep-copies
        # every base field into each form it makes).
        # An instance attribute shadowing the class's, read once by BaseForm.__init__ (as Django documents
        # for changing a form's fields per instance); the class's own stay whole.
        self.base_fields = _step_fields(None if fields is None else tuple(fields))  # type: ignore[misc]
        super().__init__(*args, country=country, **kwargs)


@functools.cache
def _step_fields(fields: tuple[str, ...] | None) -> dict[str, forms.Field]:
    """The reporter form's fields for one step, in the step's order, which its error summary follows
    (``None``: every question, without the files). Never the consent (asked on the last step, by
    ``ReviewForm``), the token or the campaign, which the steps keep."""
    asked = {
        name: field
        for name, field in ReporterReportForm.base_fields.items()
        if name not in ("consent", "submission_token", "campaign")
    }
    if fields is None:
        return {name: field for name, field in asked.items() if name != "attachments"}
    return {name: asked[name] for name in fields if name in asked}
