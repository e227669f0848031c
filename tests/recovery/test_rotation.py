"""`longarm recovery rotate`: a new pair, every report, case and evidence key resealed to it, old seals
overwritten, resumable after an interruption, audited; backups made before it open only with the old key."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from longarm.audit.models import AuditEvent
from longarm.audit.selectors import audit_chain_verify
from longarm.backup.container import ContainerError
from longarm.backup.services import backup_create, backup_verify
from longarm.cases.services import case_open
from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import seal, unseal
from longarm.crypto.errors import DecryptionError
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.recovery import services
from longarm.recovery.keyholders import recovery_key_from_options
from longarm.recovery.models import RecoveryRotation
from tests.cases.helpers import private_key
from tests.conftest import Cast
from tests.evidence.files import png
from tests.evidence.helpers import recovery_private_key, submit_with_files
from tests.intake.helpers import submit_report
from tests.recovery.helpers import (
    PASSPHRASES,
    own_keyring,
    passphrase_file,
    read_report_with_recovery_key,
    recovery_seal_bytes,
)

pytestmark = pytest.mark.django_db(transaction=True)


def opens(private_key: bytes, sealed: bytes) -> bool:
    try:
        unseal(private_key, sealed)
    except DecryptionError:
        return False
    return True


@pytest.fixture
def deployment(cast: Cast, processing: object, tmp_path: Path, settings: pytest.FixtureRequest) -> Path:
    """Reports (one with a file), a case: seals to the recovery key in all three tables."""
    own_keyring(tmp_path, settings)
    with processing():  # type: ignore[operator]  # the fixture's context manager
        submit_with_files(Client(), {"photo.png": png()})
    submit_report(Client(), what_happened="A man from the consulate visited my uncle in Urumqi.")
    case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=Report.objects.first())
    return tmp_path


def new_shares_key(tmp_path: Path) -> bytes:
    shares = sorted(tmp_path.glob("new/longarm-recovery-share-*-of-3.json"))
    key = recovery_key_from_options(
        {
            "recovery_shares": shares[:2],
            "share_passphrases": passphrase_file(tmp_path / "n2", PASSPHRASES[:2]),
        }
    )
    assert key is not None
    return key


def rotate(tmp_path: Path, *extra: str) -> str:
    (tmp_path / "new").mkdir(exist_ok=True)
    out = io.StringIO()
    call_command(
        "recovery",
        "rotate",
        "--recovery-key",
        str(_old_key_path()),
        "--new-shares",
        "2-of-3",
        "--out",
        str(tmp_path / "new"),
        "--new-share-passphrases",
        str(passphrase_file(tmp_path / "new-passphrases", PASSPHRASES[:3])),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _old_key_path() -> Path:
    from django.conf import settings

    return Path(settings.RECOVERY_KEY_PATH)


def test_rotation_reseals_every_key_to_the_new_pair_and_the_old_key_opens_none(
    deployment: Path, cast: Cast
) -> None:
    old = recovery_private_key()
    before = recovery_seal_bytes()
    assert len(before) >= 6
    assert all(opens(old, sealed) for sealed in before)
    output = rotate(deployment)
    assert "Rotation finished" in output
    new = new_shares_key(deployment)
    after = recovery_seal_bytes()
    assert len(after) == len(before)
    assert all(opens(new, sealed) and not opens(old, sealed) for sealed in after)
    assert opens(new, seal(current_keyring().recovery_public_key, b"x" * 32))
    assert "Urumqi" in read_report_with_recovery_key(Report.objects.order_by("id").last(), new)
    actions = list(AuditEvent.objects.filter(action__startswith="recovery.").values_list("action", flat=True))
    assert actions == ["recovery.rotation_begin", "recovery.rotation_finish"]
    assert audit_chain_verify(signing_public_key=current_keyring().signing_public_key).intact
    # A report that arrives afterwards is sealed to the new key.
    submit_report(Client(), what_happened="Afterwards.")
    assert "Afterwards" in read_report_with_recovery_key(Report.objects.order_by("id").last(), new)


def test_an_interrupted_rotation_resumes_where_it_stopped(
    deployment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = recovery_private_key()
    total = len(recovery_seal_bytes())
    real_seal = services.seal
    calls = {"n": 0}

    def failing_seal(public_key: bytes, secret: bytes) -> bytes:
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("power cut")
        return real_seal(public_key, secret)

    monkeypatch.setattr(services, "seal", failing_seal)
    monkeypatch.setattr(services, "BATCH", 2)
    with pytest.raises(RuntimeError, match="power cut"):
        rotate(deployment)
    rotation = RecoveryRotation.objects.get()
    assert rotation.finished_at is None
    assert rotation.stage == "1:report"
    assert rotation.resealed == 2
    assert rotation.last_id > 0
    assert current_keyring().recovery_public_key == bytes(rotation.new_public_key)
    mixed = recovery_seal_bytes()
    assert sum(opens(old, sealed) for sealed in mixed) == total - 2

    monkeypatch.setattr(services, "seal", real_seal)
    out = io.StringIO()
    call_command("recovery", "rotate", "--recovery-key", str(_old_key_path()), stdout=out)
    assert "Resuming the rotation" in out.getvalue()
    rotation.refresh_from_db()
    assert rotation.finished_at is not None
    assert rotation.resealed == total
    new = new_shares_key(deployment)
    assert all(opens(new, sealed) and not opens(old, sealed) for sealed in recovery_seal_bytes())


def test_a_seal_made_with_the_old_key_after_the_rotation_is_swept_by_running_it_again(
    deployment: Path,
) -> None:
    old = recovery_private_key()
    rotate(deployment)
    new = new_shares_key(deployment)
    straggler = SealedKey.objects.filter(recipient_kind=RecipientKind.RECOVERY, kind=KeyKind.DATA).first()
    assert straggler is not None
    straggler.sealed = seal(_public(old), unseal(new, bytes(straggler.sealed)))
    straggler.save()
    out = io.StringIO()
    call_command("recovery", "rotate", "--recovery-key", str(_old_key_path()), stdout=out)
    assert "1 keys it still opened are now sealed to the current one" in out.getvalue()
    assert all(opens(new, sealed) for sealed in recovery_seal_bytes())
    assert AuditEvent.objects.filter(action="recovery.rotation_sweep").count() == 1


def _public(private: bytes) -> bytes:
    from longarm.crypto.envelopes import keypair_from_private_key

    return keypair_from_private_key(private).public


def test_a_backup_made_before_the_rotation_opens_only_with_the_old_key(deployment: Path) -> None:
    backup = deployment / "before.backup"
    backup_create(backup)
    rotate(deployment)
    new = new_shares_key(deployment)
    signing = current_keyring().signing_public_key
    with pytest.raises(ContainerError, match="opens only with the recovery key of its day"):
        backup_verify(backup, public_key=signing, recovery_private_key=new)
    assert backup_verify(backup, public_key=signing, recovery_private_key=recovery_private_key())


def test_rotation_refuses_a_key_that_is_not_this_installations(deployment: Path) -> None:
    from django.core.management import CommandError

    other = deployment / "other.key"
    from longarm.crypto.envelopes import new_keypair
    from longarm.crypto.keyring import write_recovery_private_key

    write_recovery_private_key(other, new_keypair().private, forbidden_dirs=[])
    with pytest.raises(CommandError, match="neither the recovery private key of this installation"):
        call_command(
            "recovery", "rotate", "--recovery-key", str(other), "--new-key-out", str(deployment / "n.key")
        )
    assert not RecoveryRotation.objects.exists()


def test_doctor_warns_of_an_unfinished_rotation(deployment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from longarm.operations.doctor import Level, examine

    def power_cut(public_key: bytes, secret: bytes) -> bytes:
        raise RuntimeError("power cut")

    monkeypatch.setattr(services, "seal", power_cut)
    with pytest.raises(RuntimeError):
        rotate(deployment)
    (warning,) = [item for item in examine() if item.name == "recovery rotation"]
    assert warning.level is Level.WARNING
    assert "longarm recovery rotate" in warning.message
