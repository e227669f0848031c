"""The drill of issue 18: `longarm init --recovery-shares 3-of-5`, two shares lost, the other three open a
report; two alone are refused with a clear error; a single-file deployment converts with `recovery split`."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from longarm.crypto.errors import ShareError
from longarm.crypto.keyring import RECOVERY_KEY_HEADER, load_keyring
from longarm.intake.models import Report
from longarm.recovery.keyholders import recovery_key_from_options
from tests.evidence.helpers import recovery_private_key
from tests.intake.helpers import submit_report
from tests.recovery.helpers import PASSPHRASES, own_keyring, passphrase_file, read_report_with_recovery_key

pytestmark = pytest.mark.django_db


def init_with_shares(tmp_path: Path) -> list[Path]:
    shares = tmp_path / "ceremony"
    shares.mkdir()
    out = io.StringIO()
    call_command(
        "init",
        "--recovery-shares",
        "3-of-5",
        "--recovery-key-out",
        str(shares),
        "--share-passphrases",
        str(passphrase_file(tmp_path / "passphrases", PASSPHRASES)),
        stdout=out,
    )
    assert "split into 5 shares, any 3 of which" in out.getvalue()
    return sorted(shares.iterdir())


def test_three_of_five_keyholders_open_a_report_after_two_shares_are_lost(tmp_path: Path) -> None:
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        shares = init_with_shares(tmp_path)
        assert len(shares) == 5
        # The recovery private key was never written, anywhere.
        header = RECOVERY_KEY_HEADER.encode("ascii")
        assert not [path for path in tmp_path.rglob("*") if path.is_file() and header in path.read_bytes()]
        load_keyring(tmp_path / "keys")
        submit_report(Client(), what_happened="They called my mother in Hotan about me.")
        report = Report.objects.get()

        kept = [shares[0], shares[2], shares[4]]  # shares 2 and 4 are lost
        key = recovery_key_from_options(
            {
                "recovery_shares": kept,
                "share_passphrases": passphrase_file(
                    tmp_path / "three", [PASSPHRASES[0], PASSPHRASES[2], PASSPHRASES[4]]
                ),
            }
        )
        assert key is not None
        assert "Hotan" in read_report_with_recovery_key(report, key)

        out = io.StringIO()
        call_command(
            "recovery",
            "combine",
            "--recovery-shares",
            *map(str, kept),
            "--share-passphrases",
            str(tmp_path / "three"),
            stdout=out,
        )
        assert "whole again, in memory only" in out.getvalue()
        assert "It opens the newest of the 2 keys sealed to it" in out.getvalue()

        with pytest.raises(ShareError, match=r"3 different shares of 5 are needed .* 2 were given"):
            recovery_key_from_options(
                {
                    "recovery_shares": kept[:2],
                    "share_passphrases": passphrase_file(tmp_path / "two", [PASSPHRASES[0], PASSPHRASES[2]]),
                }
            )
        with pytest.raises(CommandError, match="3 different shares of 5 are needed"):
            call_command(
                "recovery",
                "combine",
                "--recovery-shares",
                *map(str, kept[:2]),
                "--share-passphrases",
                str(tmp_path / "two"),
            )


def test_a_wrong_passphrase_names_the_share_it_does_not_open(tmp_path: Path) -> None:
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        shares = init_with_shares(tmp_path)
        wrong = [PASSPHRASES[0], "not the passphrase of share two", PASSPHRASES[2]]
        with pytest.raises(ShareError, match=f"{shares[1]}: wrong passphrase"):
            recovery_key_from_options(
                {"recovery_shares": shares[:3], "share_passphrases": passphrase_file(tmp_path / "w", wrong)}
            )


def test_the_same_share_given_three_times_is_one_share(tmp_path: Path) -> None:
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        shares = init_with_shares(tmp_path)
        with pytest.raises(ShareError, match="1 was given"):
            recovery_key_from_options(
                {
                    "recovery_shares": [shares[0]] * 3,
                    "share_passphrases": passphrase_file(tmp_path / "p", [PASSPHRASES[0]] * 3),
                }
            )


def test_a_passphrase_the_keyholder_types_is_asked_without_echo_and_checked(tmp_path: Path) -> None:
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        shares = init_with_shares(tmp_path)
        asked: list[str] = []

        def prompt(question: str) -> str:
            asked.append(question)
            return PASSPHRASES[int(question.split()[3]) - 1]

        key = recovery_key_from_options({"recovery_shares": shares[2:]}, prompt=prompt)
        assert key is not None
        assert asked[0].startswith("Passphrase of share 3 of 5")


def test_a_single_file_deployment_splits_its_key_and_is_told_to_destroy_the_file(
    tmp_path: Path, settings: pytest.FixtureRequest
) -> None:
    own_keyring(tmp_path, settings)
    out = io.StringIO()
    call_command(
        "recovery",
        "split",
        "2-of-3",
        "--recovery-key",
        str(settings.RECOVERY_KEY_PATH),  # type: ignore[attr-defined]
        "--out",
        str(tmp_path),
        "--new-share-passphrases",
        str(passphrase_file(tmp_path / "p", PASSPHRASES[:3])),
        stdout=out,
    )
    assert "DESTROY" in out.getvalue()
    shares = sorted(tmp_path.glob("longarm-recovery-share-*-of-3.json"))
    key = recovery_key_from_options(
        {
            "recovery_shares": shares[1:],
            "share_passphrases": passphrase_file(tmp_path / "q", PASSPHRASES[1:3]),
        }
    )
    assert key == recovery_private_key()


def test_init_refuses_too_short_a_passphrase_before_making_any_key(tmp_path: Path) -> None:
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        (tmp_path / "out").mkdir()
        short = passphrase_file(tmp_path / "p", ["short", *PASSPHRASES[1:]])
        with pytest.raises(CommandError, match="at least 10 characters"):
            call_command(
                "init",
                "--recovery-shares",
                "3-of-5",
                "--recovery-key-out",
                str(tmp_path / "out"),
                "--share-passphrases",
                str(short),
            )
        assert not (tmp_path / "keys" / "recovery.pub").exists()
        assert not any((tmp_path / "out").iterdir())


def test_init_with_shares_on_an_installation_that_has_a_recovery_key_points_to_split(tmp_path: Path) -> None:
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        init_with_shares(tmp_path)
        before = (tmp_path / "keys" / "recovery.pub").read_bytes()
        with pytest.raises(CommandError, match="longarm recovery split 2-of-3"):
            call_command("init", "--recovery-shares", "2-of-3", stdout=io.StringIO())
        assert (tmp_path / "keys" / "recovery.pub").read_bytes() == before


def test_doctor_refuses_a_share_left_beside_the_keyring(tmp_path: Path) -> None:
    from longarm.operations.doctor import Level, examine

    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        shares = init_with_shares(tmp_path)
        assert not [item for item in examine() if item.name == "recovery key" and item.level is Level.ERROR]
        shares[0].rename(tmp_path / "data" / shares[0].name)
        (refusal,) = [item for item in examine() if item.name == "recovery key" and item.level is Level.ERROR]
        assert "a recovery key share is on this server" in refusal.message


def test_printed_shares_typed_back_into_files_open_a_report(tmp_path: Path) -> None:
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        out = io.StringIO()
        call_command(
            "init",
            "--recovery-shares",
            "2-of-3",
            "--print-shares",
            "--share-passphrases",
            str(passphrase_file(tmp_path / "p", PASSPHRASES[:3])),
            stdout=out,
        )
        printed = out.getvalue()
        assert not list(tmp_path.glob("**/longarm-recovery-share-*"))
        pieces = printed.split("----- Longarm recovery key share ")[1:]
        assert len(pieces) == 3
        paths = []
        for number, piece in enumerate(pieces, start=1):
            # What follows the last share (init's other lines) holds no brace.
            document = piece.split("-----\n", 1)[1]
            path = tmp_path / f"typed-{number}.json"
            path.write_text(document[: document.rindex("}") + 1])
            paths.append(path)
        submit_report(Client(), what_happened="Printed shares still open my report.")
        key = recovery_key_from_options(
            {
                "recovery_shares": paths[1:],
                "share_passphrases": passphrase_file(tmp_path / "q", PASSPHRASES[1:3]),
            }
        )
        assert key is not None
        assert "Printed shares" in read_report_with_recovery_key(Report.objects.get(), key)
