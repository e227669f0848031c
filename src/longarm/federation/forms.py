"""The partnership form administrators fill in with what the partner's administrators sent out of band."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.cases.models import IdentifierKind
from longarm.federation.keyset import OFFERABLE_SCHEMES
from longarm.federation.models import Mode
from longarm.federation.terms import (
    DEFAULT_LARGEST_SET,
    DEFAULT_SMALLEST_SET,
    LARGEST_SET_CEILING,
    Terms,
)


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
    smallest_set = forms.IntegerField(
        label=_("Smallest set accepted"),
        min_value=1,
        max_value=LARGEST_SET_CEILING,
        initial=DEFAULT_SMALLEST_SET,
    )
    largest_set = forms.IntegerField(
        label=_("Largest set accepted"),
        min_value=1,
        max_value=LARGEST_SET_CEILING,
        initial=DEFAULT_LARGEST_SET,
        help_text=_(
            "Near the partner's real number of identifiers: a dishonest partner can test this many guessed "
            "values per run."
        ),
    )
    runs_per_period = forms.IntegerField(
        label=_("Runs allowed per period"), min_value=1, max_value=100, initial=1
    )
    period_days = forms.IntegerField(label=_("Period in days"), min_value=1, max_value=365, initial=7)
    minimum_change = forms.IntegerField(
        label=_("Smallest change in set size between runs"),
        min_value=0,
        max_value=LARGEST_SET_CEILING,
        initial=10,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        smallest, largest = data.get("smallest_set"), data.get("largest_set")
        if smallest is not None and largest is not None and largest < smallest:
            self.add_error("largest_set", _("The largest set must be at least the smallest."))
        return data

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
