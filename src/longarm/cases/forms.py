from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.core.text_fields import MultilineTextField
from longarm.intake.forms import MAX_TEXT
from longarm.intake.models import Urgency

MAX_REASON = 1000


class ReplyForm(forms.Form):
    text = MultilineTextField(
        label=_("Reply to the reporter"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        error_messages={"required": _("The reply is empty.")},
    )


class ReceivesReportsForm(forms.Form):
    receives = forms.BooleanField(required=False)


class UrgencyForm(forms.Form):
    urgency = forms.ChoiceField(label=_("New urgency"), choices=Urgency.choices)
    reason = MultilineTextField(
        label=_("Why (kept encrypted with the report)"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        error_messages={"required": _("Say why the urgency changes.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the report page also holds the disclosure request's "reason" (one label, one box).
        kwargs.setdefault("auto_id", "id_urgency_%s")
        super().__init__(*args, **kwargs)
