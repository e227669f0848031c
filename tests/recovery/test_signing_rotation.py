"""`longarm keyring rotate-signing`: a transition signed by both keys; the audit chain, evidence packages and
backups signed by either key verify, with the rotation named; a forged or misdated one does not."""

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from longarm.audit.models import ActorKind, AuditCheckpoint, AuditEvent
from longarm.audit.selectors import audit_chain_verify
from longarm.audit.services import audit_append, audit_checkpoint_create
from longarm.backup.container import ContainerError
from longarm.backup.services import backup_create, backup_verify
from longarm.cases.attestations.services import Verdict, attestation_verify
from longarm.core.keyring import current_keyring
from longarm.crypto.errors import KeyringError, SignatureError
from longarm.crypto.keyring import finish_signing_key_install, load_signing_transitions
from longarm.crypto.signing import new_signing_seed
from longarm.crypto.signing_transitions import TRANSITIONS_FILE, decode_transitions, sign_transition
from longarm.evidence.package import PackageFile, manifest_bytes, public_key_of, stream_package
from longarm.evidence.verify import encode_public_key, run
from tests.cases.test_attestations import _issue as issue_attestation
from tests.conftest import Cast
from tests.recovery.helpers import own_keyring

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(tmp_path: Path, settings: pytest.FixtureRequest) -> Path:
    return own_keyring(tmp_path, settings)


def some_events(count: int) -> None:
    for number in range(count):
        audit_append(actor=None, actor_kind=ActorKind.SYSTEM, action="test.event", object_id=str(number))


def package(path: Path, seed: bytes, created: datetime) -> Path:
    content = b"a photograph"
    import hashlib

    files = [
        PackageFile(
            "evidence/photo.png", hashlib.sha256(content).hexdigest(), len(content), lambda: [content]
        )
    ]
    manifest = manifest_bytes(
        header={"created_at": created.isoformat(), "signing_public_key": public_key_of(seed)},
        files=files,
        custody=[],
    )
    path.write_bytes(
        b"".join(stream_package(files=files, manifest=manifest, signing_seed=seed, created=created))
    )
    return path


def verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return run(list(args), out), out.getvalue()


def test_the_audit_chain_verifies_across_a_rotation_with_checkpoints_by_either_key(keys: Path) -> None:
    some_events(3)
    audit_checkpoint_create()
    old = current_keyring().signing_public_key
    out = io.StringIO()
    call_command("keyring", "rotate-signing", stdout=out)
    assert "Signing key rotated" in out.getvalue()
    new = current_keyring().signing_public_key
    assert new != old
    some_events(2)
    audit_checkpoint_create()
    (transition,) = load_signing_transitions(keys)
    assert (transition.old_public_key, transition.new_public_key) == (old, new)
    pinned = AuditEvent.objects.get(pk=transition.audit_last_event_id)
    assert pinned.action == "keyring.signing_rotate"
    assert AuditCheckpoint.objects.filter(last_event_id=pinned.pk).exists()
    result = audit_chain_verify(signing_public_key=new, transitions=[transition])
    assert result.intact
    assert result.checkpoints_checked >= 3
    assert result.rotations_checked == 1
    # Without the rotation recorded, the old key's checkpoints do not verify under the new key.
    assert not audit_chain_verify(signing_public_key=new).intact
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "1 signing-key rotation(s) recorded" in out.getvalue()


def test_a_checkpoint_signed_by_the_new_key_before_the_rotation_is_refused(keys: Path) -> None:
    some_events(2)
    audit_checkpoint_create()
    old_seed = current_keyring().signing_seed
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    early = AuditCheckpoint.objects.order_by("last_event_id").first()
    assert early is not None
    # Re-signed by the new key: a checkpoint before the rotation must be the old key's.
    from longarm.audit.chain import checkpoint_message
    from longarm.crypto.signing import sign

    message = checkpoint_message(
        last_event_id=early.last_event_id,
        last_hash=early.last_hash,
        event_count=early.event_count,
        created_at=early.created_at,
    )
    early.signature = sign(current_keyring().signing_seed, message)
    early.save()
    assert old_seed != current_keyring().signing_seed
    with pytest.raises(CommandError, match="invalid signature by the signing key of its time"):
        call_command("audit", "verify", stdout=io.StringIO())


def test_a_rewritten_chain_contradicts_the_point_the_rotation_pinned(keys: Path) -> None:
    some_events(2)
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    (transition,) = load_signing_transitions(keys)
    AuditCheckpoint.objects.all().delete()
    AuditEvent.objects.filter(pk=transition.audit_last_event_id).update(event_hash="f" * 64)
    result = audit_chain_verify(
        signing_public_key=current_keyring().signing_public_key, transitions=[transition]
    )
    assert not result.intact
    assert "pinned event" in result.problem


def test_evidence_packages_of_either_key_verify_with_the_transitions(keys: Path, tmp_path: Path) -> None:
    old_seed = current_keyring().signing_seed
    before = package(tmp_path / "before.zip", old_seed, datetime.now(UTC) - timedelta(days=1))
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    new_seed = current_keyring().signing_seed
    after = package(tmp_path / "after.zip", new_seed, datetime.now(UTC) + timedelta(seconds=1))
    transitions = str(keys / TRANSITIONS_FILE)
    new_key = encode_public_key(current_keyring().signing_public_key)
    old_key = public_key_of(old_seed)

    status, output = verify(str(before), "--public-key", new_key)
    assert status == 1
    status, output = verify(str(before), "--public-key", new_key, "--transitions", transitions)
    assert status == 0, output
    assert "signed by an earlier key of the organisation, retired on" in output
    # Someone who knew only the old key trusts the new one through the old key's signature on the transition.
    status, output = verify(str(after), "--public-key", old_key, "--transitions", transitions)
    assert status == 0, output

    # The retired key signing a package dated after its retirement: refused (e.g. a stolen old key).
    late = package(tmp_path / "late.zip", old_seed, datetime.now(UTC) + timedelta(days=1))
    status, output = verify(str(late), "--public-key", new_key, "--transitions", transitions)
    assert status == 1
    assert "signed by a key retired on" in output


def test_a_transition_not_signed_by_both_keys_is_refused(keys: Path, tmp_path: Path) -> None:
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    document = json.loads((keys / TRANSITIONS_FILE).read_bytes())
    # An attacker's key claims to succeed the old one, signing only for itself.
    attacker = new_signing_seed()
    forged = sign_transition(
        old_seed=attacker,
        new_seed=new_signing_seed(),
        at=datetime.now(UTC),
        audit_last_event_id=1,
        audit_last_hash="0" * 64,
        audit_event_count=1,
    ).as_dict()
    forged["old_public_key"] = document[0]["old_public_key"]
    with pytest.raises(SignatureError, match="retiring key"):
        decode_transitions(json.dumps([forged]).encode())
    document[0]["new_signature"] = base64.b64encode(b"\0" * 64).decode()
    (tmp_path / "t.json").write_text(json.dumps(document))
    status, output = verify(
        str(tmp_path / "t.json"),
        "--public-key",
        encode_public_key(attacker),
        "--transitions",
        str(tmp_path / "t.json"),
    )
    assert status == 1
    assert "--transitions" in output


def test_a_backup_made_before_the_rotation_verifies_with_the_new_key_and_the_transitions(
    keys: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "before.backup"
    backup_create(backup)
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    new = current_keyring().signing_public_key
    with pytest.raises(ContainerError, match="signed by another key"):
        backup_verify(backup, public_key=new)
    assert backup_verify(backup, public_key=new, transitions=load_signing_transitions(keys)) is None
    out = io.StringIO()
    call_command(
        "backup",
        "verify",
        str(backup),
        "--public-key",
        encode_public_key(new),
        "--transitions",
        str(keys / TRANSITIONS_FILE),
        stdout=out,
    )
    assert "The signature is valid" in out.getvalue()


def test_an_interrupted_installation_is_finished_or_forgotten(keys: Path) -> None:
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    current = current_keyring().signing_public_key
    # A crash left a next key the chain does not name: it never signed anything and is dropped.
    (keys / "signing-next.key").write_bytes(base64.b64encode(new_signing_seed()) + b"\n")
    (keys / "signing-next.key").chmod(0o600)
    assert finish_signing_key_install(keys) is False
    assert current_keyring().signing_public_key == current
    assert not (keys / "signing-next.key").exists()
    # A chain that ends in a key the keyring does not hold is named, not trusted.
    (keys / "signing.key").write_bytes(base64.b64encode(new_signing_seed()) + b"\n")
    with pytest.raises(KeyringError, match="a rotation was interrupted"):
        load_signing_transitions(keys)


def test_an_attestation_issued_before_a_rotation_stays_valid_and_its_letter_names_its_key(
    keys: Path, cast: Cast
) -> None:
    staff, attestation, code = issue_attestation(cast)
    old = current_keyring().signing_public_key
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    checked = attestation_verify(reference=attestation.reference, code=code, session_key=None)
    assert checked.verdict == Verdict.VALID
    letter = staff.get(
        reverse("cases:attestation", args=[attestation.case.public_id, attestation.reference])
    ).content.decode()
    assert base64.b64encode(old).decode() in letter
    # A forged signature by neither key is still invalid.
    attestation.signature = bytes(64)
    attestation.save()
    checked = attestation_verify(reference=attestation.reference, code=code, session_key=None)
    assert checked.verdict == Verdict.INVALID


def test_a_keyring_export_made_before_the_rotation_imports_with_the_new_key_and_the_transitions(
    keys: Path, tmp_path: Path, settings: pytest.FixtureRequest
) -> None:
    export = tmp_path / "keyring.export"
    call_command("keyring", "export", str(export), stdout=io.StringIO())
    call_command("keyring", "rotate-signing", stdout=io.StringIO())
    new = encode_public_key(current_keyring().signing_public_key)
    transitions = str(keys / TRANSITIONS_FILE)
    settings.KEYS_DIR = tmp_path / "restored"  # type: ignore[attr-defined]
    arguments = ["keyring", "import", str(export), "--public-key", new]
    arguments += ["--recovery-key", str(settings.RECOVERY_KEY_PATH)]  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="signed by another key"):
        call_command(*arguments, stdout=io.StringIO())
    call_command(*arguments, "--transitions", transitions, stdout=io.StringIO())
    assert (tmp_path / "restored" / "signing.key").exists()
