from datetime import time
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from longarm.cases.languages import language_name
from longarm.core.text_fields import MultilineTextField
from longarm.intake.forms import MAX_TEXT, ReportForm

# A call that ends "before" it began is read as crossing midnight only if it would have lasted no longer.
LONGEST_CALL_MINUTES = 6 * 60


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


class CallDetailsMixin(forms.Form):
    """What an operator records about one call: when it began and ended (UTC), the caller's language, and
    whether they want a call back. It is stored with the report's content, encrypted: the time of a call
    could be matched against phone records."""

    call_started = forms.TimeField(
        label=_("The call began at (UTC, HH:MM)"),
        error_messages={"required": _("Type when the call began."), "invalid": _("Type a time as HH:MM.")},
    )
    call_ended = forms.TimeField(
        label=_("The call ended at (UTC, HH:MM)"),
        required=False,
        error_messages={"invalid": _("Type a time as HH:MM.")},
    )
    callback_wanted = forms.BooleanField(label=_("The caller wants us to call them back"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        started, ended = cleaned.get("call_started"), cleaned.get("call_ended")
        if not isinstance(started, time) or not isinstance(ended, time):
            return cleaned
        # Past midnight a call ends "earlier" (23:50 to 00:10); ending hours before it began is a typo.
        gap = _minutes(started) - _minutes(ended)
        if gap > 0 and 24 * 60 - gap > LONGEST_CALL_MINUTES:
            self.add_error("call_ended", _("The call cannot end before it began."))
        return cleaned

    def call_details(self) -> dict[str, Any]:
        ended: time | None = self.cleaned_data.get("call_ended")
        return {
            "started": self.cleaned_data["call_started"].strftime("%H:%M"),
            "ended": ended.strftime("%H:%M") if ended else "",
            "callback_wanted": bool(self.cleaned_data.get("callback_wanted")),
        }


class HotlineReportForm(CallDetailsMixin, ReportForm):
    """The reporter's questionnaire, filled in by an operator during a call, with the consent read out."""

    caller_language = forms.ChoiceField(label=_("The caller's language"))
    consent_read_out = forms.BooleanField(
        label=_(
            "I read the consent text out to the caller, in full, and the caller agreed to the choice marked "
            "above."
        ),
        error_messages={
            "required": _("Read the consent text out to the caller and tick this box before sending.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["caller_language"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "—"), *((code, language_name(code)) for code, _name in settings.LANGUAGES)]


class FollowUpForm(CallDetailsMixin):
    """What a caller adds when they phone again about their report, typed by the operator."""

    text = MultilineTextField(
        label=_("What the caller adds"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        error_messages={"required": _("Type what the caller adds.")},
    )
