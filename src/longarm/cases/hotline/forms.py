from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.intake.forms import ReportForm


class HotlineReportForm(ReportForm):
    """The reporter's questionnaire, filled in by an operator during a call, with the consent read out."""

    consent_read_out = forms.BooleanField(
        label=_(
            "I read the consent text out to the caller, in full, and the caller agreed to the choice marked "
            "above."
        ),
        error_messages={
            "required": _("Read the consent text out to the caller and tick this box before sending.")
        },
    )
