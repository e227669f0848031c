"""A keyring of the test's own (rotations change it), passphrase files, and opening with the recovery key."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from longarm.cases.models import CaseKey
from longarm.crypto.envelopes import unseal
from longarm.evidence.models import EvidenceKey, KeyHolder
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.selectors import report_content

PASSPHRASES = [f"keyholder {n} correct horse battery" for n in range(1, 6)]


def own_keyring(tmp_path: Path, settings_fixture: pytest.FixtureRequest) -> Path:
    """Copy the session's keyring for this test alone; the recovery private key stays the session's."""
    keys = tmp_path / "keys"
    shutil.copytree(settings.KEYS_DIR, keys)
    keys.chmod(0o700)
    settings_fixture.KEYS_DIR = keys  # type: ignore[attr-defined]
    return keys


def passphrase_file(path: Path, passphrases: list[str]) -> Path:
    path.write_text("\n".join(passphrases) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def read_report_with_recovery_key(report: Report, private_key: bytes) -> str:
    sealed = SealedKey.objects.get(report=report, kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY)
    data_key = unseal(private_key, bytes(sealed.sealed))
    return str(report_content(report=report, data_key=data_key)["what_happened"])


def recovery_seal_bytes() -> list[bytes]:
    return [
        *(
            bytes(s)
            for s in SealedKey.objects.filter(recipient_kind=RecipientKind.RECOVERY).values_list(
                "sealed", flat=True
            )
        ),
        *(bytes(s) for s in CaseKey.objects.filter(staff__isnull=True).values_list("sealed", flat=True)),
        *(
            bytes(s)
            for s in EvidenceKey.objects.filter(holder=KeyHolder.RECOVERY).values_list("sealed", flat=True)
        ),
    ]
