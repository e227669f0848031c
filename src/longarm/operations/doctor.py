"""`longarm doctor` and the checks `longarm serve` and `longarm worker` make before they start (threat model
§9 item 8): each outcome is one line that says what is wrong and how to fix it."""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection

from longarm.crypto.errors import KeyringError
from longarm.crypto.keyring import RECOVERY_KEY_HEADER, load_keyring
from longarm.crypto.recovery_shares import SHARE_FORMAT
from longarm.env import closest_longarm_variable, unread_longarm_variables
from longarm.operations import probes

_SMALL_FILE_BYTES = 4096


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    name: str
    level: Level
    message: str


def _keyring() -> Iterator[Finding]:
    try:
        load_keyring(settings.KEYS_DIR)
    except KeyringError as error:
        yield Finding("keyring", Level.ERROR, str(error))
        return
    yield Finding("keyring", Level.OK, f"loaded from {settings.KEYS_DIR}")


def _small_file_start(path: Path) -> bytes:
    try:
        if not path.is_file() or path.stat().st_size > _SMALL_FILE_BYTES:
            return b""
        with path.open("rb") as file:
            return file.read(len(RECOVERY_KEY_HEADER))
    except OSError:
        return b""


def _is_recovery_private_key(path: Path) -> bool:
    return _small_file_start(path) == RECOVERY_KEY_HEADER.encode("ascii")


def _is_recovery_share(path: Path) -> bool:
    # A keyholder's share file (``crypto.recovery_shares``) starts with its format.
    return _small_file_start(path).startswith(b'{\n  "format": "' + SHARE_FORMAT.encode("ascii") + b'"')


def _recovery_key_nearby() -> Iterator[Finding]:
    places = {Path(settings.KEYS_DIR), Path(settings.DATA_DIR), Path(settings.STORAGE_DIR)}
    found = [
        path
        for place in sorted(places)
        if place.is_dir()
        for path in sorted(place.iterdir())
        if _is_recovery_private_key(path)
    ]
    for path in found:
        yield Finding(
            "recovery key",
            Level.ERROR,
            f"the recovery private key is on this server at {path}: it opens every report; move it offline "
            "(two encrypted USB sticks kept apart) and delete it here",
        )
    shares = [
        path
        for place in sorted(places)
        if place.is_dir()
        for path in sorted(place.iterdir())
        if _is_recovery_share(path)
    ]
    for path in shares:
        yield Finding(
            "recovery key",
            Level.ERROR,
            f"a recovery key share is on this server at {path}: with enough others it opens every report; "
            "give it to its keyholder, to keep offline, and delete it here",
        )
    found += shares
    if not found:
        yield Finding("recovery key", Level.OK, "not beside the keyring, the data or the evidence")


def _database_file() -> Path | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    return None if name in {"", ":memory:"} or name.startswith("file:") else Path(name)


def _keys_apart_from_database() -> Iterator[Finding]:
    database = _database_file()
    if database is None:
        yield Finding("keyring disk", Level.OK, "the database is not a file on this machine")
        return
    try:
        same = os.stat(settings.KEYS_DIR).st_dev == os.stat(database.parent).st_dev
    except OSError:
        return  # the keyring or database check names what is missing
    if not same:
        yield Finding("keyring disk", Level.OK, "the keyring and the database are on different filesystems")
        return
    message = (
        f"the keyring ({settings.KEYS_DIR}) is on the database's filesystem: one stolen disk or backup holds "
        "both; set LONGARM_KEYS_DIR to its own volume"
    )
    if settings.LONGARM_KEYS_ON_DATABASE_DISK:
        yield Finding("keyring disk", Level.WARNING, message + " (allowed by LONGARM_KEYS_ON_DATABASE_DISK)")
    else:
        yield Finding(
            "keyring disk", Level.ERROR, message + ", or accept it with LONGARM_KEYS_ON_DATABASE_DISK=true"
        )


def _environment() -> Iterator[Finding]:
    unread = unread_longarm_variables()
    for name in unread:
        closest = closest_longarm_variable(name)
        guess = f"did you mean {closest}?" if closest else "misspelt?"
        yield Finding(
            "environment",
            Level.WARNING,
            f"{name} is set but Longarm does not read it: {guess} (see the README, Configuration)",
        )
    if not unread:
        yield Finding("environment", Level.OK, "every LONGARM_* variable set is one Longarm reads")


def _recovery_rotation() -> Iterator[Finding]:
    from longarm.recovery.models import RecoveryRotation

    try:
        unfinished = RecoveryRotation.objects.filter(finished_at__isnull=True).order_by("id").first()
    except DatabaseError:
        return  # no database or no migrations yet: the checks below name that
    if unfinished is not None:
        yield Finding(
            "recovery rotation",
            Level.WARNING,
            f"a recovery-key rotation begun {unfinished.started_at:%Y-%m-%d %H:%M} UTC is unfinished: some "
            "keys are still sealed only to the old recovery key; run `longarm recovery rotate` with the old "
            "key (or its shares) to resume it",
        )


def _second_approvers() -> Iterator[Finding]:
    """With the two-person rule on, console changes wait for a second administrator and disclosures for a
    second custodian: say so when there is none (a warning, never a refusal to start)."""
    if not settings.LONGARM_TWO_PERSON_RULE or not probes.migrations_check().ok:
        return
    from longarm.accounts.models import Role, StaffUser

    alone = [
        (role, word)
        for role, word in ((Role.ADMIN, "administrator"), (Role.CUSTODIAN, "custodian"))
        if StaffUser.objects.filter(role=role, is_active=True).count() == 1
    ]
    for role, word in alone:
        yield Finding(
            "two-person rule",
            Level.WARNING,
            f"only one active {word}: what they propose or approve in the console waits for a second {word} "
            f"who does not exist; add one (`longarm createstaff NAME --role {role.value}`) or set "
            "LONGARM_TWO_PERSON_RULE=false for a deployment run by one person",
        )
    if not alone:
        yield Finding("two-person rule", Level.OK, "on; changes need a second administrator or custodian")


def _federation_key() -> Iterator[Finding]:
    """Federated linking refuses every run without ``federation.key`` (it is never made on first use): say so
    when partners are set up, and when a rotation of it was interrupted (a warning, never a refusal to
    start: casework does not need it)."""
    from longarm.crypto.federation import (
        FEDERATION_KEY_FILE,
        NEXT_FEDERATION_KEY_FILE,
        PREVIOUS_FEDERATION_KEY_FILE,
    )

    directory = Path(settings.KEYS_DIR)
    if any((directory / name).exists() for name in (NEXT_FEDERATION_KEY_FILE, PREVIOUS_FEDERATION_KEY_FILE)):
        yield Finding(
            "federation key",
            Level.WARNING,
            "a rotation of federation.key is unfinished; run `longarm federation key rotate` to resume it",
        )
    if (directory / FEDERATION_KEY_FILE).exists() or not probes.migrations_check().ok:
        return
    from longarm.federation.models import Partnership

    if Partnership.objects.filter(active=True).exists():
        yield Finding(
            "federation key",
            Level.WARNING,
            "federation.key is missing, so every run with a partner is refused: restore it from a keyring "
            "export, or create a new one with `longarm federation key create` and offer the identifiers "
            "again with `longarm federation offer --recovery-key PATH`",
        )


def _from_probe(probe: Callable[[], probes.Check], fix: str) -> Callable[[], Iterator[Finding]]:
    def run() -> Iterator[Finding]:
        check = probe()
        if check.ok:
            yield Finding(check.name, Level.OK, check.detail)
        else:
            yield Finding(check.name, Level.ERROR, f"{check.detail}; {fix}")

    return run


CHECKS: tuple[Callable[[], Iterator[Finding]], ...] = (
    _keyring,
    _recovery_key_nearby,
    _keys_apart_from_database,
    _environment,
    _recovery_rotation,
    # Before the first `longarm init` a SQLite database's directory may not exist: the likelier cause.
    _from_probe(
        probes.database_check,
        "on a new deployment run `longarm init`; otherwise check DATABASE_URL and that its server runs",
    ),
    _from_probe(
        probes.migrations_check, "run `longarm init` (a new deployment) or `longarm migrate` (a new release)"
    ),
    _from_probe(
        probes.storage_check,
        "check LONGARM_STORAGE_DIR exists and belongs to this user, or for a bucket (LONGARM_STORAGE_URL) "
        "that LONGARM_S3_ENDPOINT_URL is reachable, the bucket exists and the LONGARM_S3_* credentials may "
        "write to it",
    ),
    _second_approvers,
    _federation_key,
)


def examine() -> list[Finding]:
    return [finding for check in CHECKS for finding in check()]


def refusals() -> list[Finding]:
    return [finding for finding in examine() if finding.level is Level.ERROR]
