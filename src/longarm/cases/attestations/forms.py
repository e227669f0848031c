from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=40,
        help_text=_("As printed on the letter, for example LA-A-2026-01234567."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("The 20 letters and digits printed on the letter; dashes and spaces do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class IssueForm(forms.Form):
    signatory_name = forms.CharField(
        label=_("Signed by"),
        max_length=120,
        help_text=_("The name printed under the letter, as the reader may ask for that person."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signatory_role = forms.CharField(
        label=_("Their role"),
        max_length=120,
        help_text=_("For example: Caseworker, or Director."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
