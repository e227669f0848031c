from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.intake.forms import MAX_TEXT


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply to the reporter"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        error_messages={"required": _("The reply is empty.")},
    )


class ReceivesReportsForm(forms.Form):
    receives = forms.BooleanField(required=False)
