from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("What the token is for"),
        max_length=60,
        help_text=_("For example the name of the script or computer that will use it."),
        error_messages={"required": _("Give the token a label.")},
    )
