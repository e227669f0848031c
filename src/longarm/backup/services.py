"""`longarm backup create | verify | restore` and `longarm keyring export | import`."""

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from longarm.backup.container import ContainerError, ContainerWriter, check_signature, open_plaintext
from longarm.backup.database import dump_database, restore_database, vendor
from longarm.backup.models import BackupRecord
from longarm.core.keyring import current_keyring
from longarm.crypto.keyring import load_keyring, load_signing_transitions
from longarm.crypto.signing import signing_public_key
from longarm.crypto.signing_transitions import SigningTransition
from longarm.evidence.storage import (
    NAME_PATTERN,
    RestoredBlob,
    blob_file,
    delete_blob,
    evidence_root,
    in_bucket,
    whole_blobs,
)

BACKUP = "backup"
KEYRING = "keyring"
MANIFEST = "manifest.json"
_DATABASE_PARTS = re.compile(r"^database/database\.(sqlite3|pgdump)$")
_STORAGE_PART = re.compile(rf"^storage/evidence/({NAME_PATTERN})$")
# Key files, and the public chain of signing-key rotations (``crypto.signing_transitions``).
_KEY_PART = re.compile(r"^keys/([a-z0-9-]+\.(key|pub)|signing-transitions\.json)$")
_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class Part:
    name: str
    sha256: str
    size: int


@dataclass
class Summary:
    parts: list[Part] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    database: str = ""
    created: str = ""
    bytes_in: int = 0


class _Target(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _hashed_copy(source: BinaryIO, target: _Target) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while block := source.read(_BLOCK):
        digest.update(block)
        target.write(block)
        size += len(block)
    return digest.hexdigest(), size


class _HashingReader(io.RawIOBase):
    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        view = memoryview(buffer)  # type: ignore[arg-type]  # io hands us a writable buffer
        # read, not readinto: an object's stream from the bucket has only read.
        data = self._source.read(len(view))
        view[: len(data)] = data
        self.digest.update(data)
        return len(data)


def _member(name: str, size: int) -> tarfile.TarInfo:
    # No times, owners or modes from the disk: a blob's time says when a reporter sent it.
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = 0
    return info


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> Part:
    with path.open("rb") as file:
        return _add_stream(tar, file, os.fstat(file.fileno()).st_size, name)


def _add_stream(tar: tarfile.TarFile, source: BinaryIO, size: int, name: str) -> Part:
    reader = _HashingReader(source)
    tar.addfile(_member(name, size), io.BufferedReader(reader, buffer_size=_BLOCK))
    return Part(name=name, sha256=reader.digest.hexdigest(), size=size)


def _add_bytes(tar: tarfile.TarFile, data: bytes, name: str) -> None:
    tar.addfile(_member(name, len(data)), io.BytesIO(data))


def _counts() -> dict[str, int]:
    from longarm.audit.models import AuditEvent
    from longarm.cases.models import Case
    from longarm.evidence.models import EvidenceItem
    from longarm.intake.models import Report

    return {
        "reports": Report.objects.count(),
        "cases": Case.objects.count(),
        "evidence_items": EvidenceItem.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def backup_create(destination: Path) -> Summary:
    """Write a backup of the database and the evidence store to ``destination`` (a new file).

    Raises:
        ContainerError: if the database cannot be dumped.
        FileExistsError: if ``destination`` exists.
    """
    if destination.exists():
        raise FileExistsError(f"{destination} exists; a backup never overwrites a file")
    keyring = current_keyring()
    created = timezone.now().date().isoformat()
    summary = Summary(database=vendor(), created=created, counts=_counts())
    # The database copy waits beside the live database (same protection), never in a shared /tmp.
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".backup-") as staging:
        dump = dump_database(Path(staging))
        writer = ContainerWriter(destination, kind=BACKUP, keyring=keyring, created=created)
        try:
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                summary.parts.append(_add_file(tar, dump, f"database/{dump.name}"))
                # One blob at a time, streamed from the disk or the bucket as it is listed.
                for name in whole_blobs():
                    with blob_file(name) as (size, source):
                        summary.parts.append(_add_stream(tar, source, size, f"storage/evidence/{name}"))
                _add_bytes(tar, _manifest(summary), MANIFEST)
        except BaseException:
            writer.abandon()
            raise
        summary.bytes_in = writer.bytes_written
        writer.close()
    BackupRecord.objects.create(created_on=created, file_name=destination.name[:255])
    return summary


def backups_holding_shredded() -> list[BackupRecord]:
    """Backups recorded here, oldest first: each may still hold the seals of anything shredded after it
    was made, until it is deleted."""
    return list(BackupRecord.objects.order_by("created_on", "id"))


def _manifest(summary: Summary) -> bytes:
    migrations = {
        app: name
        for app, name in MigrationRecorder.Migration.objects.order_by("app", "applied", "id").values_list(
            "app", "name"
        )
    }
    return json.dumps(
        {
            "format": 1,
            "created": summary.created,
            "database": summary.database,
            "counts": summary.counts,
            "migrations": migrations,
            "parts": [part.__dict__ for part in summary.parts],
        },
        indent=1,
        sort_keys=True,
    ).encode()


def _read_manifest(raw: bytes) -> Summary:
    try:
        fields = json.loads(raw)
        return Summary(
            parts=[
                Part(name=str(p["name"]), sha256=str(p["sha256"]), size=int(p["size"]))
                for p in fields["parts"]
            ],
            counts={str(k): int(v) for k, v in fields["counts"].items()},
            database=str(fields["database"]),
            created=str(fields["created"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ContainerError("the manifest is damaged") from error


def _walk(path: Path, recovery_private_key: bytes, *, place: "_Placer | None") -> Summary:
    """Read every part of a backup, checking each against the manifest; ``place`` stores them."""
    seen: dict[str, Part] = {}
    manifest: Summary | None = None
    with open_plaintext(path, recovery_private_key=recovery_private_key, kind=BACKUP) as plaintext:
        try:
            with tarfile.open(fileobj=plaintext, mode="r|") as tar:
                for member in tar:
                    if not member.isfile():
                        raise ContainerError(f"unexpected entry {member.name!r}")
                    source = tar.extractfile(member)
                    if source is None:
                        raise ContainerError(f"unexpected entry {member.name!r}")
                    if member.name == MANIFEST:
                        manifest = _read_manifest(source.read())
                        continue
                    if not (_DATABASE_PARTS.match(member.name) or _STORAGE_PART.match(member.name)):
                        raise ContainerError(f"unexpected entry {member.name!r}")
                    target = place.open(member.name) if place else io.BytesIO()
                    with target:
                        digest, size = _hashed_copy(source, target)  # type: ignore[arg-type]
                    seen[member.name] = Part(name=member.name, sha256=digest, size=size)
        except tarfile.TarError as error:
            raise ContainerError("the archive inside is damaged") from error
    if manifest is None:
        raise ContainerError("the manifest is missing: the backup is incomplete")
    expected = {part.name: part for part in manifest.parts}
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    changed = sorted(name for name in set(expected) & set(seen) if expected[name] != seen[name])
    if missing or extra or changed:
        raise ContainerError(
            f"the parts do not match the manifest: {len(missing)} missing, {len(extra)} extra, "
            f"{len(changed)} changed"
            + (f" (first: {(missing + extra + changed)[0]})" if missing or extra or changed else "")
        )
    return manifest


def backup_verify(
    path: Path,
    *,
    public_key: bytes,
    recovery_private_key: bytes | None = None,
    transitions: Sequence[SigningTransition] = (),
) -> Summary | None:
    """Check a backup offline: its signature by ``public_key`` and, given the recovery key, every part
    against its manifest. Returns the manifest when it was read.

    Raises:
        ContainerError: naming the first problem.
    """
    check_signature(path, public_key=public_key, kind=BACKUP, transitions=transitions)
    if recovery_private_key is None:
        return None
    return _walk(path, recovery_private_key, place=None)


class _Placer:
    """Receives the parts of a backup being restored into a staging area on the target's own disks; blobs
    for a bucket go straight to it (the target is empty: ``forget_placed`` deletes them again if the backup
    turns out damaged)."""

    def __init__(self, database_staging: Path, storage_staging: Path) -> None:
        self.database_staging = database_staging
        self.storage_staging = storage_staging
        self.placed: list[str] = []

    def open(self, name: str) -> BinaryIO | RestoredBlob:
        match = _STORAGE_PART.match(name)
        if match and in_bucket():
            self.placed.append(match.group(1))
            return RestoredBlob(match.group(1))
        if match:
            target = self.storage_staging / match.group(1)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        else:
            target = self.database_staging / name.removeprefix("database/")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        return os.fdopen(fd, "wb")

    def database_dump(self) -> Path:
        return next(self.database_staging.glob("database.*"))

    def forget_placed(self) -> None:
        for name in self.placed:
            delete_blob(name)

    def move_storage_into_place(self) -> None:
        if in_bucket():
            return
        root = evidence_root()
        for blob in sorted(self.storage_staging.glob("*/*")):
            target = root / blob.relative_to(self.storage_staging)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            blob.replace(target)


def _require_empty_target() -> None:
    counts = _counts()
    if any(counts.values()) or any(True for _ in whole_blobs()):
        raise ContainerError(
            "this deployment already holds data; restore only into an empty one (a new `longarm init`)"
        )


def backup_restore(path: Path, *, recovery_private_key: bytes) -> Summary:
    """Restore a backup into this (empty) deployment, whose keyring must be the one that made it.

    Every part is checked before anything is replaced; the database is replaced at once.

    Raises:
        ContainerError: naming the problem; nothing was changed.
    """
    keyring = current_keyring()
    public_key = signing_public_key(keyring.signing_seed)
    try:
        check_signature(
            path, public_key=public_key, kind=BACKUP, transitions=load_signing_transitions(settings.KEYS_DIR)
        )
    except ContainerError as error:
        raise ContainerError(
            f"{error} — a backup restores only under the keyring that made it: "
            "`longarm keyring import` that first"
        ) from error
    _require_empty_target()
    with (
        tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".restore-") as database_staging,
        tempfile.TemporaryDirectory(dir=evidence_root().parent, prefix=".restore-") as storage_staging,
    ):
        placer = _Placer(Path(database_staging), Path(storage_staging))
        try:
            manifest = _walk(path, recovery_private_key, place=placer)
            if manifest.database != vendor():
                raise ContainerError(
                    f"this backup holds a {manifest.database} database; this deployment uses {vendor()}"
                )
            restore_database(placer.database_dump())
        except BaseException:
            placer.forget_placed()
            raise
        placer.move_storage_into_place()
    return manifest


def keyring_export(destination: Path) -> list[str]:
    """Write every file of the keyring directory, encrypted to the recovery public key and signed, to
    ``destination``; returns the file names. Keep it apart from the backups."""
    if destination.exists():
        raise FileExistsError(f"{destination} exists; an export never overwrites a file")
    keyring = current_keyring()
    names = sorted(
        path.name for path in Path(settings.KEYS_DIR).iterdir() if _KEY_PART.match(f"keys/{path.name}")
    )
    writer = ContainerWriter(
        destination, kind=KEYRING, keyring=keyring, created=timezone.now().date().isoformat()
    )
    try:
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name in names:
                _add_bytes(tar, (Path(settings.KEYS_DIR) / name).read_bytes(), f"keys/{name}")
    except BaseException:
        writer.abandon()
        raise
    writer.close()
    return names


def keyring_import(
    path: Path,
    *,
    recovery_private_key: bytes,
    public_key: bytes,
    transitions: Sequence[SigningTransition] = (),
) -> list[str]:
    """Write the keyring of an export into this deployment's empty keyring directory; returns the names.
    ``transitions`` let an export signed by an earlier key of ``public_key``'s rotation chain be imported.

    Raises:
        ContainerError: naming the problem; nothing was written.
    """
    check_signature(path, public_key=public_key, kind=KEYRING, transitions=transitions)
    directory = Path(settings.KEYS_DIR)
    if directory.exists() and any(directory.iterdir()):
        raise ContainerError(f"{directory} is not empty; a keyring is imported only into an empty directory")
    files: dict[str, bytes] = {}
    with open_plaintext(path, recovery_private_key=recovery_private_key, kind=KEYRING) as plaintext:
        try:
            with tarfile.open(fileobj=plaintext, mode="r|") as tar:
                for member in tar:
                    match = _KEY_PART.match(member.name)
                    source = tar.extractfile(member) if member.isfile() else None
                    if match is None or source is None or member.size > 4096:
                        raise ContainerError(f"unexpected entry {member.name!r}")
                    files[match.group(1)] = source.read()
        except tarfile.TarError as error:
            raise ContainerError("the archive inside is damaged") from error
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    for name, content in files.items():
        fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(content)
    load_keyring(directory)
    return sorted(files)
