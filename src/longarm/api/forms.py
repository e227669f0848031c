from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from longarm.api.scopes import WRITABLE, Access, Resource, Scope

_NONE = ""


def _access_choices(resource: Resource) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(_NONE, _("No access")), (Access.READ.value, _("Read"))]
    if resource in WRITABLE:
        choices.append((Access.WRITE.value, _("Read and write")))
    return choices


class TokenForm(forms.Form):
    """A label, what the token may do with each resource (nothing by default), and whether it dies with the
    console session that made it."""

    label = forms.CharField(
        label=_("What the token is for"),
        max_length=60,
        help_text=_("For example the name of the script or computer that will use it."),
        error_messages={"required": _("Give the token a label.")},
    )
    bind_session = forms.BooleanField(
        required=False,
        label=_("Stop the token working when I log out or this console session ends"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for resource in Resource:
            self.fields[self.field_name(resource)] = forms.ChoiceField(
                label=resource.label,
                choices=_access_choices(resource),
                required=False,
                initial=_NONE,
            )

    @staticmethod
    def field_name(resource: Resource) -> str:
        return f"scope_{resource.value}"

    def scope_fields(self) -> list[forms.BoundField]:
        return [self[self.field_name(resource)] for resource in Resource]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scopes = [
            str(Scope(resource, Access(data[self.field_name(resource)])))
            for resource in Resource
            if data.get(self.field_name(resource))
        ]
        if not scopes and not self.errors:
            raise forms.ValidationError(_("Choose at least one thing the token may do."))
        data["scopes"] = scopes
        return data
