"""The federation key's lifecycle: made only by an explicit command, refused when missing, rotated with
everything under it re-encrypted; and the federation app's use of linking through public names only."""

import ast
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from longarm.crypto.envelopes import decrypt
from longarm.crypto.errors import DecryptionError
from longarm.crypto.federation import (
    FEDERATION_KEY_FILE,
    NEXT_FEDERATION_KEY_FILE,
    PREVIOUS_FEDERATION_KEY_FILE,
    FederationKeyMissing,
    load_federation_key,
)
from longarm.crypto.keyring import load_recovery_private_key
from longarm.federation.backfill import offered_keys_backfill
from longarm.federation.client import federation_run
from longarm.federation.exceptions import RunRefused
from longarm.federation.keyset import element, offered_context, offered_set
from longarm.federation.models import Mode, OfferedKey, Outcome
from longarm.federation.models import Role as RunRole
from longarm.federation.runs import Figures, element_digest, figures_of, run_record
from longarm.federation.selectors import findings_for
from tests.conftest import Cast
from tests.federation.helpers import FakePartner, opened, partnership_with, post
from tests.linking.match_helpers import add, case_held_by
from tests.settings import RECOVERY_KEY_PATH


@pytest.fixture
def own_keyring(settings: Any, tmp_path: Path) -> Path:
    """A copy of the test keyring that this test may change (the session's stays as it is)."""
    directory = tmp_path / "keys"
    shutil.copytree(settings.KEYS_DIR, directory)
    directory.chmod(0o700)
    settings.KEYS_DIR = directory
    return directory


def test_a_missing_federation_key_is_refused_and_never_created(own_keyring: Path, cast: Cast) -> None:
    (own_keyring / FEDERATION_KEY_FILE).unlink()
    with pytest.raises(FederationKeyMissing) as missing:
        load_federation_key(own_keyring)
    assert "longarm federation key create" in str(missing.value)
    with pytest.raises(FederationKeyMissing):
        offered_set(["phone"])
    with pytest.raises(FederationKeyMissing):
        offered_keys_backfill(
            recovery_private_key=load_recovery_private_key(RECOVERY_KEY_PATH), progress=lambda _: None
        )
    # A run from our side, and a partner's, are refused with a reason an administrator can act on.
    partner = FakePartner()
    partnership = partnership_with(partner, endpoint="https://127.0.0.1:9/federation/")
    with pytest.raises(RunRefused) as refused:
        federation_run(partnership=partnership, actor=None)
    assert refused.value.code == "no_federation_key"
    _state, body, signature, nonce = partner.psi_request(
        [element("phone", f"+3361234{n:04d}") for n in range(6)]
    )
    assert opened(post(Client(), "psi", body, signature), nonce) == (
        "refused",
        {"reason": "no_federation_key"},
    )
    assert not (own_keyring / FEDERATION_KEY_FILE).exists()


def test_casework_goes_on_without_the_key_and_offers_nothing(
    own_keyring: Path, cast: Cast, settings: Any
) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    (own_keyring / FEDERATION_KEY_FILE).unlink()
    add(case_held_by(cast), cast.caseworker, "phone", "+86 139 1000 0001")
    assert not OfferedKey.objects.exists()
    assert not (own_keyring / FEDERATION_KEY_FILE).exists()


def test_the_key_is_created_by_the_command_once(own_keyring: Path) -> None:
    (own_keyring / FEDERATION_KEY_FILE).unlink()
    out = io.StringIO()
    call_command("federation", "key", "create", stdout=out)
    assert "Created key" in out.getvalue()
    key = load_federation_key(own_keyring)
    with pytest.raises(CommandError, match="rotate"):
        call_command("federation", "key", "create", stdout=io.StringIO())
    assert load_federation_key(own_keyring) == key


def test_rotation_re_encrypts_everything_under_the_new_key(
    own_keyring: Path, cast: Cast, settings: Any
) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    case = case_held_by(cast)
    found = add(case, cast.caseworker, "phone", "+86 139 1000 0001")
    add(case, cast.caseworker, "email", "Li.Ming@Example.COM")
    before = sorted(offered_set(["phone", "email"]).elements)
    partnership = partnership_with(FakePartner())
    run = run_record(
        partnership=partnership,
        role=RunRole.ASKED,
        mode=Mode.INTERSECTION,
        outcome=Outcome.DONE,
        started_at=timezone.now(),
        figures=Figures(ours=2, common=1),
        found={str(found.public_id): [element_digest("phone\x00+8613910000001")]},
    )
    old = load_federation_key(own_keyring)

    out = io.StringIO()
    call_command("federation", "key", "rotate", stdout=out)

    new = load_federation_key(own_keyring)
    assert new != old
    assert "need not be told" in out.getvalue()
    assert not (own_keyring / NEXT_FEDERATION_KEY_FILE).exists()
    assert not (own_keyring / PREVIOUS_FEDERATION_KEY_FILE).exists()
    # Everything still reads, under the new key alone.
    assert sorted(offered_set(["phone", "email"]).elements) == before
    run.refresh_from_db()
    assert figures_of(run) == Figures(ours=2, common=1)
    assert [item.partnership.pk for item in findings_for([found])[found.pk]] == [partnership.pk]
    row = OfferedKey.objects.filter(identifier=found).first()
    assert row is not None
    with pytest.raises(DecryptionError):
        decrypt(old, bytes(row.ciphertext), context=offered_context(found))


def test_the_federation_app_uses_no_private_name_of_another_app() -> None:
    """federation.backfill used linking.reindex._CaseKeys; linking now offers CaseKeys."""
    root = Path(__file__).resolve().parents[2] / "src" / "longarm" / "federation"
    private = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            module = node.module or ""
            if module.startswith("longarm.") and not module.startswith("longarm.federation"):
                private += [f"{path.name}: {alias.name}" for alias in node.names if alias.name[0] == "_"]
    assert private == []


def test_the_doctor_warns_of_a_missing_key_when_partners_are_set_up(own_keyring: Path, db: None) -> None:
    from longarm.operations.doctor import Level, examine

    partnership_with(FakePartner())
    (own_keyring / FEDERATION_KEY_FILE).unlink()
    [warning] = [finding for finding in examine() if finding.name == "federation key"]
    assert warning.level is Level.WARNING
    assert "longarm federation key create" in warning.message
