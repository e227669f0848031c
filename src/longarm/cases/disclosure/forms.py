from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.core.text_fields import MultilineTextField

MAX_REASON = 4000


class DisclosureRequestForm(forms.Form):
    reason = MultilineTextField(
        label=_("Why do you need the reporter's identity and relatives' names?"),
        help_text=_("A custodian reads this before deciding. It is encrypted for them and for you only."),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        error_messages={"required": _("Give a reason.")},
    )
