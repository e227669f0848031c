"""Helpers for the staff administration tests: one-time links, and codes of authenticators being enrolled."""

import re

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from longarm.accounts.models import StaffUser

_ENROL_LINK = re.compile(r"https?://[^\s<\"]+/console/enrol/([A-Za-z0-9_-]+)/")


def enrolment_token(page: str) -> str:
    """The secret of the one-time link an administrator's page shows."""
    match = _ENROL_LINK.search(page)
    assert match, page[:3000]
    return match[1]


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def enrolling_code(user: StaffUser) -> str:
    """The current code of the authenticator ``user`` is enrolling (made with their link)."""
    return code_of(TOTPDevice.objects.get(user=user, confirmed=False))


def confirmed_post(client: Client, url: str, data: dict[str, str] | None = None) -> str:
    """POST as the console's confirmation page does after the box is ticked; returns the final page."""
    response = client.post(url, {**(data or {}), "confirmed": "yes"}, follow=True)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def enrol(client: Client, token: str, *, password: str, code: str, repeat: str | None = None) -> int:
    data = {"password": password, "otp_token": code}
    data["repeat"] = password if repeat is None else repeat
    return client.post(reverse("accounts:enrol", args=[token]), data).status_code
