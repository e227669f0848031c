"""`longarm init`: create what a new installation needs; safe to run again, it never overwrites a key."""

import os
import secrets
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from longarm.crypto.errors import KeyringError
from longarm.crypto.federation import FEDERATION_KEY_FILE, create_federation_key
from longarm.crypto.keyring import (
    RECOVERY_PUBLIC_KEY_FILE,
    create_keyring,
    load_keyring,
    write_recovery_private_key,
)
from longarm.crypto.linking_key import LINKING_KEY_FILE, ensure_linking_key
from longarm.crypto.recovery_shares import parse_share_parameters
from longarm.evidence.verify import encode_public_key
from longarm.recovery.keyholders import (
    check_share_destination,
    lock_shares,
    new_passphrases,
    printed_share,
    share_paths,
    write_shares,
)

PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class Command(BaseCommand):
    help = "Create the keyring and the recovery key pair, apply migrations and collect static files."
    # Some system checks read the database, which does not exist before this command has run.
    requires_system_checks = ()

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--recovery-key-out",
            type=Path,
            help=(
                "A new file, or a directory, where the recovery private key is written the first time "
                "(default: the current directory). With --recovery-shares, the directory the shares go to."
            ),
        )
        parser.add_argument(
            "--recovery-shares",
            metavar="M-of-N",
            type=_share_parameters,
            help=(
                "Split the recovery private key into N SLIP-39 shares, any M of which rebuild it, one file "
                "per keyholder, each locked under a passphrase its holder types; the key is never written."
            ),
        )
        parser.add_argument(
            "--share-passphrases",
            type=Path,
            metavar="FILE",
            help="With --recovery-shares: keyholders' passphrases, one per line (default: asked for each).",
        )
        parser.add_argument(
            "--print-shares",
            action="store_true",
            help="With --recovery-shares: print the locked shares (for a printer or paper) instead of files.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Everything init creates (database, journal, static files, directories) is its owner's alone,
        # whatever the shell's umask; what an earlier run or another tool made wider is narrowed.
        previous_umask = os.umask(0o077)
        try:
            self._initialise(options)
        finally:
            os.umask(previous_umask)

    def _initialise(self, options: dict[str, Any]) -> None:
        keys_dir: Path = settings.KEYS_DIR
        for directory in (settings.DATA_DIR, settings.STORAGE_DIR):
            _private_directory(Path(directory))
        _narrow_new_volume(keys_dir)
        # Where the recovery private key goes is settled before the key pair exists: a refusal afterwards
        # would leave a keyring whose recovery public key no one holds the private half of.
        forbidden = [keys_dir, settings.DATA_DIR, settings.STORAGE_DIR]
        split: tuple[int, int] | None = options["recovery_shares"]
        out = _recovery_key_destination(options["recovery_key_out"])
        shares: list[Path] = []
        passphrases: list[str] = []
        if not (keys_dir / RECOVERY_PUBLIC_KEY_FILE).exists():
            if split is None:
                _check_recovery_key_destination(out, forbidden)
            else:
                if not options["print_shares"]:
                    shares = share_paths(
                        (options["recovery_key_out"] or Path.cwd()).resolve(),
                        split[1],
                        today=timezone.now().date(),
                    )
                try:
                    check_share_destination(shares, forbidden)
                    passphrases = new_passphrases(split[1], passphrase_file=options["share_passphrases"])
                except (KeyringError, ValueError) as error:
                    raise CommandError(str(error)) from error
        elif split is not None:
            raise CommandError(
                "this installation has a recovery key already; split its file with `longarm recovery split "
                f"{split[0]}-of-{split[1]} --recovery-key FILE`, or make a new one with "
                "`longarm recovery rotate`"
            )
        creation = create_keyring(keys_dir)
        for name in creation.created:
            self.stdout.write(f"Created key {keys_dir / name}")
        if ensure_linking_key(keys_dir):
            self.stdout.write(f"Created key {keys_dir / LINKING_KEY_FILE}")
        if create_federation_key(keys_dir):
            self.stdout.write(f"Created key {keys_dir / FEDERATION_KEY_FILE}")
        self._ensure_django_secret(keys_dir)
        if creation.recovery_private_key is not None and split is not None and options["print_shares"]:
            self._print_shares(creation.recovery_private_key, split[0], passphrases)
        elif creation.recovery_private_key is not None and split is not None:
            self._write_shares(creation.recovery_private_key, split[0], shares, passphrases)
        elif creation.recovery_private_key is not None:
            try:
                write_recovery_private_key(
                    out.resolve(),
                    creation.recovery_private_key,
                    forbidden_dirs=[keys_dir, settings.DATA_DIR, settings.STORAGE_DIR],
                )
            except KeyringError as error:
                raise CommandError(
                    f"{error}. The recovery public key is already in the keyring; remove "
                    f"{keys_dir / 'recovery.pub'} and run init again with --recovery-key-out elsewhere."
                ) from error
            self.stdout.write(
                self.style.WARNING(
                    f"\nRECOVERY KEY written to {out.resolve()}\n"
                    "It can open every report. Move it offline NOW "
                    "(e.g. onto two encrypted USB sticks kept apart)\n"
                    "and delete it from this machine. It is never written again.\n"
                )
            )
        call_command("migrate", interactive=False, verbosity=0)
        call_command("check")
        _private_database_files()
        self.stdout.write("Database is up to date.")
        call_command("collectstatic", interactive=False, verbosity=0)
        _private_directory(Path(settings.STATIC_ROOT))
        self.stdout.write(f"Keyring ready in {keys_dir}.")
        # Backups, keyring exports and evidence packages are checked, and a keyring imported, with this key:
        # an administrator notes it beside the recovery key (`longarm keyring public-key` prints it again).
        public = encode_public_key(load_keyring(keys_dir).signing_public_key)
        self.stdout.write(f"Signing public key (note it with the recovery key): {public}")

    def _print_shares(self, private_key: bytes, threshold: int, passphrases: list[str]) -> None:
        shares = lock_shares(private_key, threshold=threshold, passphrases=passphrases)
        self.stdout.write(
            self.style.WARNING(
                f"\nRECOVERY KEY split into {len(shares)} shares, any {threshold} of which open every "
                "report. Print each for its keyholder alone; the recovery private key itself was never "
                "written.\n"
            )
        )
        for share in shares:
            self.stdout.write(printed_share(share))

    def _write_shares(
        self, private_key: bytes, threshold: int, paths: list[Path], passphrases: list[str]
    ) -> None:
        try:
            write_shares(private_key, threshold=threshold, paths=paths, passphrases=passphrases)
        except (KeyringError, ValueError) as error:
            raise CommandError(
                f"{error}. The recovery public key is already in the keyring; remove the share files in "
                f"{paths[0].parent} and {settings.KEYS_DIR / RECOVERY_PUBLIC_KEY_FILE}, and run init again."
            ) from error
        self.stdout.write(
            self.style.WARNING(
                f"\nRECOVERY KEY split into {len(paths)} shares, any {threshold} of which open every report:"
                "\n"
                + "".join(f"  {path}\n" for path in paths)
                + "Give each file to its keyholder NOW, to be kept offline apart from the others, and\n"
                "delete them from this machine. The recovery private key itself was never written.\n"
            )
        )

    def _ensure_django_secret(self, keys_dir: Path) -> None:
        path = keys_dir / "django-secret.key"
        if path.exists():
            return
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(64))
        settings.SECRET_KEY = path.read_text(encoding="utf-8").strip()
        self.stdout.write(f"Created key {path}")


def _share_parameters(text: str) -> tuple[int, int]:
    try:
        return parse_share_parameters(text)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from error


def _recovery_key_destination(given: Path | None) -> Path:
    """The file the recovery private key is written to: ``given``, a dated file inside it when it is a
    directory, or a dated file in the current directory."""
    name = f"longarm-recovery-{timezone.now():%Y%m%d}.key"
    if given is None:
        return (Path.cwd() / name).resolve()
    return (given / name).resolve() if given.is_dir() else given.resolve()


def _check_recovery_key_destination(out: Path, forbidden_dirs: list[Path]) -> None:
    """Refuse, before any key exists, a destination ``write_recovery_private_key`` would refuse."""
    for forbidden in forbidden_dirs:
        if out.is_relative_to(Path(forbidden).resolve()):
            raise CommandError(
                f"--recovery-key-out {out} is inside {forbidden}: the recovery private key must not be kept "
                "beside the keyring or the data; name a directory elsewhere (a USB stick, say)"
            )
    if out.exists():
        raise CommandError(f"--recovery-key-out {out} already exists; name a new file or a directory")
    if not out.parent.is_dir():
        raise CommandError(f"--recovery-key-out: the directory {out.parent} does not exist; create it first")


def _narrow_new_volume(directory: Path) -> None:
    """An empty keyring directory made beforehand with a wider mode (a container volume, say) is narrowed to
    0700; one that already holds files is left for the operator, as its keys may have been read."""
    if directory.is_dir() and not any(directory.iterdir()):
        directory.chmod(PRIVATE_DIRECTORY_MODE)


def _private_directory(directory: Path) -> None:
    """Create ``directory`` (and missing parents) for its owner only, or narrow an existing one to 0700."""
    directory.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    directory.chmod(PRIVATE_DIRECTORY_MODE)


def _private_database_files() -> None:
    """An SQLite database holds every ciphertext, seal and audit event: 0600, with its journal files.

    SQLite gives the journal and WAL files it creates later the database file's mode.
    """
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor != "sqlite":
        return
    name = Path(str(database.settings_dict["NAME"]))
    for path in (name, *(name.with_name(name.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        if path.exists():
            path.chmod(PRIVATE_FILE_MODE)
