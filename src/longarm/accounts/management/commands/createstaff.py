"""`longarm createstaff NAME`: create a staff account, its key pair and its TOTP device.

Interactive: asks for the role and the password. Automated: `--credentials-file FILE` (or `-` for standard
input) with lines `role: admin` and `password: …`, or `--generate-password` to print a one-time password.
"""

import io
import secrets
import sys
from argparse import ArgumentParser
from getpass import getpass
from pathlib import Path
from typing import Any

import qrcode
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from longarm.accounts.models import Role
from longarm.accounts.services import staff_create


def _parse_credentials(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, value = line.partition(":")
        if not separator:
            raise CommandError("Each line of the credentials must read `name: value`.")
        values[name.strip().lower()] = value.strip()
    unknown = set(values) - {"role", "password"}
    if unknown:
        raise CommandError(f"Unknown credential fields: {', '.join(sorted(unknown))}.")
    return values


class Command(BaseCommand):
    help = "Create a staff account (password + mandatory TOTP) and print its TOTP provisioning URI."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=[role.value for role in Role])
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--credentials-file", help="File with `role:` and `password:` lines; - for stdin."
        )
        source.add_argument(
            "--generate-password", action="store_true", help="Generate a password and print it once."
        )
        parser.add_argument(
            "--receives-new-reports",
            action="store_true",
            help="Seal new reports to this caseworker or investigator.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role_name: str | None = options["role"]
        password: str | None = None
        generated = False
        if options["credentials_file"]:
            source = options["credentials_file"]
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
            credentials = _parse_credentials(text)
            role_name = role_name or credentials.get("role")
            password = credentials.get("password")
        elif options["generate_password"]:
            password = secrets.token_urlsafe(18)
            generated = True
        elif sys.stdin.isatty():
            role_name = role_name or input(f"Role ({', '.join(role.value for role in Role)}): ").strip()
            password = getpass("Password (12 characters or more): ")
            if getpass("Password again: ") != password:
                raise CommandError("The two passwords differ.")
        if not role_name or role_name not in Role.values:
            raise CommandError(f"Give a role, one of: {', '.join(Role.values)}.")
        if not password:
            raise CommandError(
                "No password given: use a terminal, --credentials-file or --generate-password."
            )
        try:
            creation = staff_create(
                username=options["username"],
                password=password,
                role=Role(role_name),
                receives_new_reports=options["receives_new_reports"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Created {creation.user.username} ({creation.user.get_role_display()}).")
        if generated:
            self.stdout.write(f"One-time password, shown only now: {password}")
            self.stdout.write("Change it after the first login.")
        self.stdout.write("Add this to the authenticator app (it is shown only now):")
        self.stdout.write(creation.totp_uri)
        picture = qrcode.QRCode(border=1)
        picture.add_data(creation.totp_uri)
        buffer = io.StringIO()
        picture.print_ascii(out=buffer, invert=True)
        self.stdout.write(buffer.getvalue())
