"""The partnership form administrators fill in with what the partner's administrators sent out of band."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.cases.models import IdentifierKind
from longarm.federation.keyset import OFFERABLE_SCHEMES
from longarm.federation.models import Mode
from longarm.federation.terms import Terms


class PartnershipForm(forms.Form):
    name = forms.CharField(label=_("Partner's name"), max_length=100)
    public_key = forms.CharField(
        label=_("Partner's signing public key"),
        max_length=100,
        help_text=_(
            "What `longarm keyring public-key` prints on the partner's server, given to you in person."
        ),
    )
    endpoint = forms.CharField(
        label=_("Partner's federation address"),
        max_length=300,
        help_text=_("For example https://partner.example/federation/ or an onion address."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of identifier covered"),
        # The kinds' own labels: a kind the linking keys call strong is offered as soon as it exists.
        choices=[(kind, IdentifierKind(kind).label) for kind in OFFERABLE_SCHEMES],
        widget=forms.CheckboxSelectMultiple,
    )
    mode = forms.ChoiceField(label=_("What a run reveals"), choices=Mode.choices)
    smallest_set = forms.IntegerField(label=_("Smallest set accepted"), min_value=1, initial=100)
    largest_set = forms.IntegerField(label=_("Largest set accepted"), min_value=1, initial=1_000_000)
    runs_per_period = forms.IntegerField(
        label=_("Runs allowed per period"), min_value=1, max_value=100, initial=1
    )
    period_days = forms.IntegerField(label=_("Period in days"), min_value=1, max_value=365, initial=7)
    minimum_change = forms.IntegerField(
        label=_("Smallest change in set size between runs"), min_value=0, initial=10
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def terms(self) -> Terms:
        data: dict[str, Any] = self.cleaned_data
        return Terms(
            name=data["name"],
            public_key=data["public_key"],
            endpoint=data["endpoint"],
            kinds=list(data["kinds"]),
            mode=data["mode"],
            smallest_set=data["smallest_set"],
            largest_set=data["largest_set"],
            runs_per_period=data["runs_per_period"],
            period_days=data["period_days"],
            minimum_change=data["minimum_change"],
            active=data["active"],
        )
