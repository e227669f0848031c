"""Evidence packages: a ZIP of chosen files, a manifest of hashes and custody, and an Ed25519 signature that
`longarm evidence verify` checks offline, naming any file added, removed or changed by one byte."""

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from longarm.core.keyring import current_keyring
from longarm.crypto.signing import new_signing_seed, signing_public_key
from longarm.evidence.models import CustodyAction, EvidenceItem, ExportPackage
from longarm.evidence.package import encode_public_key
from longarm.evidence.verify import run
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import readers_receive_reports, staff_client, submit_with_files

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def package(cast: Cast, processing: Processing, tmp_path: Path) -> Path:
    readers_receive_reports(cast)
    with processing():
        submit_with_files(
            Client(), {"station.jpg": files.jpeg_with_exif(), "letter.pdf": files.pdf_with_author()}
        )
    photo, letter = EvidenceItem.objects.order_by("report_id", "position")
    report = Report.objects.get()
    response = staff_client(cast.investigator).post(
        reverse("evidence:staff_export", args=[report.public_id]),
        {"selection": [f"{photo.public_id}:original", f"{letter.public_id}:derivative"]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    path = tmp_path / "package.zip"
    path.write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    return path


def verify(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("evidence", "verify", str(path), *extra, stdout=out)
    return out.getvalue()


def published_key() -> str:
    return encode_public_key(current_keyring().signing_public_key)


def rewrite(path: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)


def test_the_package_holds_the_files_a_manifest_with_hashes_and_custody_and_a_signature(
    package: Path,
) -> None:
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        original = archive.read(next(name for name in names if name.endswith("-original.jpg")))
    assert "manifest.sig" in names
    assert original == files.jpeg_with_exif()
    assert manifest["report"]["reference"] == Report.objects.get().reference
    assert {entry["path"] for entry in manifest["files"]} == set(names) - {"manifest.json", "manifest.sig"}
    assert {item["original_name"] for item in manifest["items"]} == {"station.jpg", "letter.pdf"}
    actions = [event["action"] for event in manifest["custody"]]
    assert {"received", "hashed", "sanitised", "exported"} <= set(actions)
    assert manifest["signing_public_key"] == published_key()
    assert ExportPackage.objects.get().file_count == 2
    assert EvidenceItem.objects.filter(custody_events__action=CustodyAction.EXPORTED).count() == 2


def test_an_untouched_package_verifies_against_the_published_key(package: Path) -> None:
    output = verify(package, "--public-key", published_key())
    assert "package verified: 2 file(s) intact" in output
    assert "package verified" in verify(package, "--public-key", current_keyring().signing_public_key.hex())


def test_without_a_public_key_a_package_never_verifies(package: Path) -> None:
    # A package re-signed with any key names that key inside: checking against it proves nothing.
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("evidence", "verify", str(package), stdout=out)
    assert "NOT VERIFIED" in out.getvalue()
    assert "--public-key" in out.getvalue()


def _offline_environment(tmp_path: Path) -> dict[str, str]:
    """No settings, no database, no data directory: only the package and the key."""
    keep = {"PATH", "HOME", "LANG", "SYSTEMROOT"}
    environment = {name: value for name, value in os.environ.items() if name in keep}
    environment["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    return environment


def _offline(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    program = (
        "import sys\n"
        "from longarm import cli\n"
        "sys.argv = ['longarm', *sys.argv[1:]]\n"
        "try:\n"
        "    cli.main()\n"
        "finally:\n"
        "    print('django loaded' if 'django.conf' in sys.modules else 'no django', file=sys.stderr)\n"
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir(exist_ok=True)
    return subprocess.run(  # noqa: S603 - the test's own interpreter and program
        [sys.executable, "-c", program, *arguments],
        cwd=workdir,
        env=_offline_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_verifier_runs_offline_without_django_settings_database_or_data_directory(
    package: Path, tmp_path: Path
) -> None:
    result = _offline(tmp_path, "evidence", "verify", str(package), "--public-key", published_key())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "package verified: 2 file(s) intact" in result.stdout
    assert "no django" in result.stderr
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []  # no ./var/longarm.sqlite3, nothing at all
    unkeyed = _offline(tmp_path, "evidence", "verify", str(package))
    assert unkeyed.returncode == 1
    assert "NOT VERIFIED" in unkeyed.stdout
    stranger = encode_public_key(signing_public_key(new_signing_seed()))
    assert _offline(tmp_path, "evidence", "verify", str(package), "--public-key", stranger).returncode == 1


def test_a_thousand_random_flips_each_end_in_a_named_problem_never_a_traceback(package: Path) -> None:
    original = package.read_bytes()
    key = published_key()
    generator = random.Random(12)
    for attempt in range(1000):
        damaged = bytearray(original)
        offset = generator.randrange(len(damaged))
        if attempt % 2:
            damaged[offset] ^= 1 << generator.randrange(8)
        else:
            damaged[offset] = (damaged[offset] + generator.randrange(1, 256)) % 256
        out = io.StringIO()
        package.write_bytes(bytes(damaged))
        status = run([str(package), "--public-key", key], out)
        report = out.getvalue()
        assert status == 1, (offset, report)
        assert any(
            line.startswith(("PROBLEM", "CHANGED", "ADDED", "REMOVED")) for line in report.splitlines()
        ), (offset, report)


def test_a_package_signed_by_another_key_does_not_verify(package: Path) -> None:
    stranger = encode_public_key(signing_public_key(new_signing_seed()))
    with pytest.raises(CommandError, match="does NOT verify"):
        verify(package, "--public-key", stranger)


def test_an_added_file_is_named(package: Path) -> None:
    rewrite(package, lambda entries: entries.update({"files/999-planted.jpg": b"planted"}))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("evidence", "verify", str(package), "--public-key", published_key(), stdout=out)
    assert "ADDED    files/999-planted.jpg" in out.getvalue()


def test_a_removed_file_is_named(package: Path) -> None:
    removed: list[str] = []

    def drop(entries: dict[str, bytes]) -> None:
        name = next(name for name in entries if name.startswith("files/"))
        removed.append(name)
        del entries[name]

    rewrite(package, drop)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("evidence", "verify", str(package), "--public-key", published_key(), stdout=out)
    assert f"REMOVED  {removed[0]}" in out.getvalue()


def test_a_file_changed_by_one_byte_is_named(package: Path) -> None:
    changed: list[str] = []

    def flip(entries: dict[str, bytes]) -> None:
        name = next(name for name in entries if name.startswith("files/"))
        content = bytearray(entries[name])
        content[len(content) // 2] ^= 0x01
        entries[name] = bytes(content)
        changed.append(name)

    rewrite(package, flip)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("evidence", "verify", str(package), "--public-key", published_key(), stdout=out)
    assert f"CHANGED  {changed[0]}" in out.getvalue()


def test_a_byte_flipped_in_place_inside_the_zip_is_caught(package: Path) -> None:
    raw = bytearray(package.read_bytes())
    offset = raw.index(b"\xff\xd8\xff") + 500
    raw[offset] ^= 0x01
    package.write_bytes(bytes(raw))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("evidence", "verify", str(package), "--public-key", published_key(), stdout=out)
    assert "CHANGED  files/001-" in out.getvalue()


def test_an_edited_manifest_breaks_the_signature(package: Path) -> None:
    def edit(entries: dict[str, bytes]) -> None:
        entries["manifest.json"] = entries["manifest.json"].replace(b'"exported"', b'"viewed"', 1)

    rewrite(package, edit)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("evidence", "verify", str(package), "--public-key", published_key(), stdout=out)
    assert "signature does not match" in out.getvalue()


def test_only_investigators_export(cast: Cast, processing: Processing) -> None:
    with processing():
        submit_with_files(Client(), {"a.png": files.png()})
    report = Report.objects.get()
    item = EvidenceItem.objects.get()
    response = staff_client(cast.caseworker).post(
        reverse("evidence:staff_export", args=[report.public_id]),
        {"selection": [f"{item.public_id}:original"]},
    )
    assert response.status_code == 403
    assert not ExportPackage.objects.exists()


def test_admins_see_the_public_verification_key(cast: Cast) -> None:
    html = staff_client(cast.admin).get(reverse("cases:staff_list")).content.decode()
    assert published_key() in html
