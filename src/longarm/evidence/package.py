"""Evidence packages: a ZIP of chosen files, ``manifest.json`` (report reference, every file's SHA-256 and
size, the custody log) and ``manifest.sig``, an Ed25519 signature of the manifest's exact bytes by the
keyring's signing key. ``verify_package`` checks one offline, with nothing but the file and the public key.

The ZIP is streamed as it is made, straight from decryption to the response: no plaintext copy of it is
ever written on the server.
"""

import base64
import binascii
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from longarm.crypto.errors import SignatureError
from longarm.crypto.signing import sign, signing_public_key, verify_signature

FORMAT = "longarm-evidence-package/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
_READ_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PackageFile:
    path: str
    sha256: str
    size: int
    # Yields the file's plaintext; called once, while the ZIP streams.
    content: Callable[[], Iterable[bytes]] = field(repr=False, compare=False)


def manifest_bytes(
    *, header: dict[str, Any], files: list[PackageFile], custody: list[dict[str, Any]]
) -> bytes:
    manifest = {
        "format": FORMAT,
        **header,
        "files": [{"path": file.path, "sha256": file.sha256, "size": file.size} for file in files],
        "custody": custody,
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"


def encode_public_key(public_key: bytes) -> str:
    return base64.b64encode(public_key).decode("ascii")


def signature_text(signing_seed: bytes, manifest: bytes) -> bytes:
    return base64.b64encode(sign(signing_seed, manifest)) + b"\n"


class _Sink:
    """A write-only stream collecting what zipfile writes, handed out piece by piece."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """zipfile flushes; the pieces are handed out by ``take``."""

    def take(self) -> bytes:
        data, self._pieces = b"".join(self._pieces), []
        return data


class HashMismatch(Exception):
    """A stored file did not decrypt to the hash on record: the package is abandoned mid-stream."""


def stream_package(
    *, files: list[PackageFile], manifest: bytes, signing_seed: bytes, created: datetime
) -> Iterator[bytes]:
    """Yield the package ZIP. Each file is hashed as it streams; if one does not match its manifest entry,
    ``HashMismatch`` is raised and the ZIP is left unfinished, so it can never verify."""
    sink = _Sink()
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[call-overload]  # write-only streams are supported
        for file in files:
            info = zipfile.ZipInfo(file.path, date_time=stamp)
            digest = hashlib.sha256()
            with archive.open(info, mode="w", force_zip64=True) as entry:
                for piece in file.content():
                    digest.update(piece)
                    entry.write(piece)
                    yield sink.take()
            if digest.hexdigest() != file.sha256:
                raise HashMismatch(file.path)
        archive.writestr(zipfile.ZipInfo(MANIFEST, date_time=stamp), manifest)
        archive.writestr(zipfile.ZipInfo(SIGNATURE, date_time=stamp), signature_text(signing_seed, manifest))
    yield sink.take()


@dataclass
class Verification:
    signature_valid: bool = False
    key_from_package: bool = False
    public_key: str = ""
    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_valid and not (self.problems or self.added or self.removed or self.changed)


def parse_public_key(text: str) -> bytes:
    """A 32-byte Ed25519 public key given as base64 or hex, or the path of a file holding one.

    Raises:
        ValueError: if it is none of these.
    """
    candidate = text.strip()
    path = Path(candidate)
    if path.is_file():
        candidate = path.read_text(encoding="utf-8").strip()
    for decode in (bytes.fromhex, lambda value: base64.b64decode(value, validate=True)):
        try:
            key = decode(candidate)
        except (ValueError, binascii.Error):
            continue
        if len(key) == 32:
            return key
    raise ValueError("not an Ed25519 public key (32 bytes, base64 or hex)")


def _hash_member(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as member:
        while piece := member.read(_READ_BYTES):
            digest.update(piece)
            size += len(piece)
    return digest.hexdigest(), size


def verify_package(source: Path | BinaryIO, *, public_key: bytes | None) -> Verification:
    """Check a package's signature and every file against its manifest, naming each file added, removed or
    changed. Without ``public_key`` the key named in the manifest is used, which proves integrity only."""
    result = Verification()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        result.problems.append("not a readable ZIP file")
        return result
    with archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        if MANIFEST not in names or SIGNATURE not in names:
            result.problems.append("manifest.json or manifest.sig is missing")
            return result
        manifest_raw = archive.read(MANIFEST)
        try:
            manifest = json.loads(manifest_raw)
            expected = {entry["path"]: (entry["sha256"], entry["size"]) for entry in manifest["files"]}
            embedded_key = parse_public_key(manifest.get("signing_public_key", ""))
        except (ValueError, KeyError, TypeError):
            result.problems.append("manifest.json is malformed")
            return result
        key = public_key or embedded_key
        result.key_from_package = public_key is None
        result.public_key = encode_public_key(key)
        try:
            signature = base64.b64decode(archive.read(SIGNATURE).strip(), validate=True)
            verify_signature(key, manifest_raw, signature)
            result.signature_valid = True
        except (binascii.Error, SignatureError, ValueError):
            result.problems.append("the signature does not match the manifest and key")
        present = [name for name in names if name not in {MANIFEST, SIGNATURE}]
        if len(set(names)) != len(names):
            result.problems.append("the ZIP holds two entries of the same name")
        result.added = sorted(set(present) - set(expected))
        result.removed = sorted(set(expected) - set(present))
        for name in sorted(set(present) & set(expected)):
            try:
                actual = _hash_member(archive, name)
            except (zipfile.BadZipFile, OSError, EOFError):
                result.changed.append(name)
                continue
            (result.verified if actual == expected[name] else result.changed).append(name)
    return result


def public_key_of(signing_seed: bytes) -> str:
    return encode_public_key(signing_public_key(signing_seed))
