from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.accounts.models import StaffUser


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        label=_("Who"),
        queryset=StaffUser.objects.order_by("username"),
        required=False,
        empty_label=_("Anyone"),
    )
    action = forms.CharField(
        label=_("What"),
        max_length=64,
        required=False,
        help_text=_("The start of an action, for example “report.” or “case.grant”."),
    )
    alerts = forms.BooleanField(label=_("Alerts only"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("“From” is after “Until”."))
        return cleaned
