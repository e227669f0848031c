import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from longarm.accounts.models import Role, StaffUser
from longarm.crypto.envelopes import seal, unseal
from longarm.crypto.staff_keys import LockedPrivateKey, unlock_private_key

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    import sys

    original = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("createstaff", *args, stdout=out)
    finally:
        sys.stdin = original
    return out.getvalue()


def test_credentials_on_standard_input_create_the_account_and_print_the_totp_uri() -> None:
    output = run(
        "casey",
        "--credentials-file",
        "-",
        "--receives-new-reports",
        stdin="role: caseworker\npassword: a long passphrase for tests 7\n",
    )
    user = StaffUser.objects.get(username="casey")
    assert user.role == Role.CASEWORKER
    assert user.receives_new_reports
    assert "otpauth://totp/" in output


def test_credentials_from_a_file_work_too(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("role: admin\npassword: another long passphrase 9\n")
    run("adam", "--credentials-file", str(credentials))
    assert StaffUser.objects.get(username="adam").role == Role.ADMIN


def test_the_private_key_opens_only_with_the_password() -> None:
    run(
        "casey",
        "--credentials-file",
        "-",
        stdin="role: caseworker\npassword: a long passphrase for tests 7\n",
    )
    user = StaffUser.objects.get(username="casey")
    locked = LockedPrivateKey(salt=bytes(user.private_key_salt), ciphertext=bytes(user.private_key_locked))
    private_key = unlock_private_key(locked, "a long passphrase for tests 7", cost=user.private_key_cost)
    assert unseal(private_key, seal(bytes(user.public_key), b"hello")) == b"hello"


def test_a_generated_password_is_printed_once_and_works() -> None:
    output = run("adam", "--role", "admin", "--generate-password")
    password = output.split("One-time password, shown only now: ")[1].split()[0]
    assert StaffUser.objects.get(username="adam").check_password(password)


def test_a_weak_password_is_refused() -> None:
    with pytest.raises(CommandError, match="too short"):
        run("casey", "--credentials-file", "-", stdin="role: caseworker\npassword: short\n")
    assert not StaffUser.objects.exists()


def test_no_password_and_no_terminal_is_refused_rather_than_defaulted() -> None:
    with pytest.raises(CommandError, match="No password given"):
        run("casey", "--role", "caseworker")


def test_an_analyst_cannot_receive_reports() -> None:
    with pytest.raises(CommandError, match="Only caseworkers and investigators"):
        run(
            "anna",
            "--credentials-file",
            "-",
            "--receives-new-reports",
            stdin="role: analyst\npassword: a long passphrase for tests 7\n",
        )


def test_the_totp_uri_names_the_organisation_as_issuer() -> None:
    from urllib.parse import parse_qs, unquote, urlsplit

    from django.conf import settings
    from django.test import override_settings

    assert settings.OTP_TOTP_ISSUER == settings.LONGARM_ORGANISATION_NAME
    with override_settings(OTP_TOTP_ISSUER="Safeguard: Defenders"):
        output = run(
            "cora", "--credentials-file", "-", stdin="role: custodian\npassword: a long passphrase 11\n"
        )
    uri = next(line for line in output.split() if line.startswith("otpauth://"))
    parts = urlsplit(uri)
    assert parse_qs(parts.query)["issuer"] == ["Safeguard Defenders"]
    assert unquote(parts.path) == "/Safeguard Defenders:cora"
