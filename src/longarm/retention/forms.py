from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from longarm.retention.models import HoldReason


class PostponeForm(forms.Form):
    until = forms.DateField(
        label=_("Keep it at least until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=HoldReason.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Write any details in the case notes, which are encrypted; this reason is kept in clear."
        ),
    )

    def clean_until(self) -> date:
        until: date = self.cleaned_data["until"]
        today = timezone.now().date()
        latest = today + timedelta(days=settings.LONGARM_RETENTION_HOLD_MAX_DAYS)
        if until <= today:
            raise forms.ValidationError(_("Choose a date after today."), code="past")
        if until > latest:
            raise forms.ValidationError(
                _("Choose a date no later than %(latest)s; the hold can be renewed then."),
                code="too_far",
                params={"latest": latest.isoformat()},
            )
        return until
