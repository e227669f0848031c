from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from longarm.accounts.models import Role
from longarm.accounts.passkeys import MAX_RESPONSE_CHARS


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6,8}\s*$",
        required=False,
        help_text=_("Or leave it empty and log in with your passkey or security key."),
        error_messages={"invalid": _("Enter the 6-digit code your authenticator app shows now.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    # Filled in by accounts/passkeys.js with the passkey's signed answer to this session's challenge.
    passkey = forms.CharField(required=False, max_length=MAX_RESPONSE_CHARS, widget=forms.HiddenInput)

    def clean_otp_token(self) -> str:
        return str(self.cleaned_data["otp_token"]).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("passkey") and not data.get("otp_token") and "otp_token" not in self.errors:
            self.add_error(
                "otp_token",
                _("Enter the 6-digit code your authenticator app shows now, or log in with your passkey."),
            )
        return data


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 12 characters; a long phrase is best."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    repeat = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new") and data.get("repeat") and data["new"] != data["repeat"]:
            self.add_error("repeat", _("The two new passwords differ."))
        return data


class OffboardForm(forms.Form):
    """Confirms offboarding; a second box is required when cases or reports would be left to the recovery
    key, and the number the administrator saw must still be the number now."""

    confirm = forms.BooleanField(error_messages={"required": _("Please confirm before offboarding.")})
    accept_unheld = forms.BooleanField(
        required=False,
        label=_(
            "I accept that the cases and reports listed above can then be opened only with the recovery key."
        ),
        error_messages={
            "required": _("Please accept this, or have their cases granted to a colleague first.")
        },
    )
    unheld_seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, username: str, unheld: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unheld = unheld
        self.fields["confirm"].label = _(
            "I understand that %(username)s loses every key and can never log in again."
        ) % {"username": username}
        self.fields["accept_unheld"].required = unheld > 0
        self.fields["unheld_seen"].initial = unheld

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("unheld_seen") or 0) != self.unheld:
            raise forms.ValidationError(
                _(
                    "What offboarding would leave to the recovery key changed since the page was opened. "
                    "Check it again."
                )
            )
        return data


class PasskeyAddForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the passkey or security key"),
        max_length=64,
        help_text=_("So that you can tell your keys apart, for example “blue key” or “work laptop”."),
        error_messages={"required": _("Give the passkey a name.")},
    )
    # Filled in by accounts/passkeys.js with what the authenticator created.
    credential = forms.CharField(
        max_length=MAX_RESPONSE_CHARS,
        widget=forms.HiddenInput,
        error_messages={"required": _("Use the button to create the passkey; it needs JavaScript.")},
    )


class SecondFactorPolicyForm(forms.Form):
    """One box per role: may its staff log in with an authenticator-app code?"""

    def __init__(self, *args: Any, allowed: dict[str, bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for role in Role:
            self.fields[role.value] = forms.BooleanField(
                required=False, label=role.label, initial=allowed.get(role.value, True)
            )


StrOrPromise = str | Promise


def _role_choices() -> list[tuple[str, StrOrPromise]]:
    return [("", _("Choose a role")), *((role.value, role.label) for role in Role)]


class AddMemberForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_(
            "Letters, digits and @ . + - _ only. It cannot be reused once the account is offboarded."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter a user name.")},
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=_role_choices, error_messages={"required": _("Choose a role.")}
    )

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip()


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("New role"), choices=_role_choices, error_messages={"required": _("Choose a role.")}
    )


class EnrolForm(forms.Form):
    """A new member chooses their password (typed twice); after a reset, the member gives their password.
    Either way, the code from the authenticator app they just added proves it is set up."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    repeat = forms.CharField(
        label=_("Password again"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    otp_token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6,8}\s*$",
        error_messages={
            "invalid": _("Enter the 6-digit code your authenticator app shows now."),
            "required": _("Enter the 6-digit code your authenticator app shows now."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, new_account: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_account = new_account
        if new_account:
            password = self.fields["password"]
            password.label = _("Choose a password")
            password.help_text = _(
                "At least 12 characters; a long phrase is best. It locks your private key: nobody, "
                "administrators included, can reset it without losing what was sealed to you."
            )
            password.widget.attrs["autocomplete"] = "new-password"
            self.fields["repeat"].required = True
            self.fields["repeat"].error_messages["required"] = _("Type the password again.")
        else:
            del self.fields["repeat"]

    def clean_otp_token(self) -> str:
        return str(self.cleaned_data["otp_token"]).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.new_account and data.get("password") and data.get("repeat") != data["password"]:
            self.add_error("repeat", _("The two passwords differ."))
        return data
