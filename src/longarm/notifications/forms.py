from django import forms
from django.utils.translation import gettext_lazy as _


class DigestForm(forms.Form):
    wanted = forms.BooleanField(label=_("Send me the digest"), required=False)
    address = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("wanted") and not data.get("address"):
            self.add_error("address", _("Give the address the digest should go to."))
        return data
