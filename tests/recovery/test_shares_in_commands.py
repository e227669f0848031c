"""Every command that took `--recovery-key FILE` takes keyholders' shares instead, combined for that run."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from longarm.backup.services import backup_create
from longarm.core.keyring import current_keyring
from longarm.evidence.verify import encode_public_key
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by
from tests.recovery.helpers import PASSPHRASES, own_keyring, passphrase_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def shares(tmp_path: Path, settings: pytest.FixtureRequest) -> list[Path]:
    """The session's recovery key split 2-of-3, as `longarm recovery split` does for a one-file deployment."""
    own_keyring(tmp_path, settings)
    call_command(
        "recovery",
        "split",
        "2-of-3",
        "--recovery-key",
        str(settings.RECOVERY_KEY_PATH),  # type: ignore[attr-defined]
        "--out",
        str(tmp_path),
        "--new-share-passphrases",
        str(passphrase_file(tmp_path / "all", PASSPHRASES[:3])),
        stdout=io.StringIO(),
    )
    found = sorted(tmp_path.glob("longarm-recovery-share-*-of-3.json"))
    assert len(found) == 3
    return found


def test_linking_reindex_runs_on_two_shares(cast: Cast, shares: list[Path], tmp_path: Path) -> None:
    add(case_held_by(cast), cast.caseworker, "wechat", "wxid_from_a_share_run")
    out = io.StringIO()
    call_command(
        "linking",
        "reindex",
        "--recovery-shares",
        str(shares[0]),
        str(shares[2]),
        "--share-passphrases",
        str(passphrase_file(tmp_path / "p", [PASSPHRASES[0], PASSPHRASES[2]])),
        stdout=out,
    )
    assert "1 identifiers" in out.getvalue()


def test_backup_verify_decrypts_every_part_with_two_shares_and_refuses_one(
    shares: list[Path], tmp_path: Path
) -> None:
    backup = tmp_path / "longarm.backup"
    backup_create(backup)
    key = encode_public_key(current_keyring().signing_public_key)
    out = io.StringIO()
    call_command(
        "backup",
        "verify",
        str(backup),
        "--public-key",
        key,
        "--recovery-shares",
        str(shares[1]),
        str(shares[2]),
        "--share-passphrases",
        str(passphrase_file(tmp_path / "p", PASSPHRASES[1:3])),
        stdout=out,
    )
    assert "every part matches its manifest" in out.getvalue()
    with pytest.raises(CommandError, match="2 different shares of 3 are needed"):
        call_command(
            "backup",
            "verify",
            str(backup),
            "--public-key",
            key,
            "--recovery-shares",
            str(shares[1]),
            "--share-passphrases",
            str(passphrase_file(tmp_path / "one", PASSPHRASES[1:2])),
        )


def test_the_key_and_shares_are_one_or_the_other(shares: list[Path]) -> None:
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command(
            "linking",
            "reindex",
            "--recovery-key",
            str(shares[0]),
            "--recovery-shares",
            str(shares[1]),
        )
