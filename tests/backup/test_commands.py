"""`longarm backup …` and `longarm keyring …` as an operator types them."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from longarm.core.keyring import current_keyring
from longarm.evidence.verify import encode_public_key
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db


def run(*arguments: str) -> str:
    out = io.StringIO()
    call_command(*arguments, stdout=out)
    return out.getvalue()


def test_create_then_verify_with_the_public_key_and_the_recovery_key(tmp_path: Path) -> None:
    submit_report(Client())
    backup = tmp_path / "b"
    assert "Backup written to" in run("backup", "create", str(backup))
    public = encode_public_key(current_keyring().signing_public_key)
    assert "signature is valid" in run("backup", "verify", str(backup), "--public-key", public)
    full = run(
        "backup",
        "verify",
        str(backup),
        "--public-key",
        public,
        "--recovery-key",
        str(settings.RECOVERY_KEY_PATH),
    )
    assert "every part matches its manifest" in full
    assert "1 reports" in full


def test_verify_needs_a_public_key() -> None:
    with pytest.raises(CommandError, match="--public-key"):
        run("backup", "verify", "/nowhere")


def test_another_key_is_refused(tmp_path: Path) -> None:
    backup = tmp_path / "b"
    run("backup", "create", str(backup))
    with pytest.raises(CommandError, match="signature does not match"):
        run("backup", "verify", str(backup), "--public-key", encode_public_key(bytes(range(32))))


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "b").write_bytes(b"precious")
    with pytest.raises(CommandError, match="never overwrites"):
        run("backup", "create", str(tmp_path / "b"))
    assert (tmp_path / "b").read_bytes() == b"precious"


def test_a_file_that_is_not_a_backup_is_named(tmp_path: Path) -> None:
    (tmp_path / "x").write_bytes(b"hello")
    with pytest.raises(CommandError, match="not a Longarm backup"):
        run("backup", "verify", str(tmp_path / "x"), "--public-key", encode_public_key(bytes(32)))


def test_the_keyring_travels_in_its_own_file(tmp_path: Path) -> None:
    export = tmp_path / "keyring.export"
    assert "Keep it apart from the backups" in run("keyring", "export", str(export))
    assert b"receipt-pepper" not in export.read_bytes()
    public = encode_public_key(current_keyring().signing_public_key)
    target = tmp_path / "new-keys"
    with override_settings(KEYS_DIR=target):
        run(
            "keyring",
            "import",
            str(export),
            "--recovery-key",
            str(settings.RECOVERY_KEY_PATH),
            "--public-key",
            public,
        )
    original = {path.name: path.read_bytes() for path in Path(settings.KEYS_DIR).iterdir() if path.is_file()}
    restored = {path.name: path.read_bytes() for path in target.iterdir()}
    assert restored == {name: content for name, content in original.items() if name in restored}
    assert "signing.key" in restored
    assert target.stat().st_mode & 0o777 == 0o700
    with override_settings(KEYS_DIR=target), pytest.raises(CommandError, match="not empty"):
        run(
            "keyring",
            "import",
            str(export),
            "--recovery-key",
            str(settings.RECOVERY_KEY_PATH),
            "--public-key",
            public,
        )


def test_the_public_key_is_printed_on_the_server_for_an_admin_without_a_browser(tmp_path: Path) -> None:
    public = encode_public_key(current_keyring().signing_public_key)
    assert run("keyring", "public-key").strip() == public
    assert public in run("backup", "create", str(tmp_path / "b"))
    assert public in run("keyring", "export", str(tmp_path / "k"))


@pytest.mark.parametrize(
    "arguments",
    [
        ("backup", "verify", "{tmp}/missing.lab", "--public-key", "{public}"),
        ("backup", "create", "{tmp}/no-such-directory/b"),
        ("backup", "restore", "{tmp}/missing.lab", "--recovery-key", "{recovery}"),
        ("keyring", "export", "{tmp}/no-such-directory/k"),
    ],
)
def test_a_missing_file_or_directory_is_one_line_naming_it(
    tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    public = encode_public_key(current_keyring().signing_public_key)
    filled = [
        argument.format(tmp=tmp_path, public=public, recovery=settings.RECOVERY_KEY_PATH)
        for argument in arguments
    ]
    with pytest.raises(CommandError, match=r"No such file or directory") as raised:
        run(*filled)
    assert str(tmp_path) in str(raised.value)
    assert "\n" not in str(raised.value)
