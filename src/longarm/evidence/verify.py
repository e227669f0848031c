"""Offline verification of evidence packages: ``longarm evidence verify PACKAGE.zip --public-key KEY``.

This module runs on any machine with Longarm installed and nothing else: no database, no settings, no data
directory. It imports neither Django nor anything of Longarm but ``crypto.signing``, and ``longarm.cli``
dispatches to it before Django is set up.

A package verifies only if every check passes:

- the manifest's Ed25519 signature is valid under the key the verifier was *given* (a key named inside the
  package proves nothing: anyone can re-sign a package with a key of their own, so without ``--public-key``
  the answer is never "verified"), or, given the organisation's chain of signing-key rotations
  (``--transitions``, each signed by the retiring and the new key), under another key of that chain, for a
  package made before that key was retired;
- every file listed is present, no file is added, and each one has the SHA-256 and size on record;
- the ZIP is byte for byte the one Longarm wrote: it is made again from the entries read and compared, so a
  change anywhere, even in a field no reader looks at, is named.

It never stops on a traceback: whatever a damaged or hostile file makes the ZIP reader raise is reported as
a named problem, and the exit status is 1.
"""

import argparse
import base64
import binascii
import hashlib
import json
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from longarm.crypto.errors import SignatureError
from longarm.crypto.signing_transitions import (
    SigningTransition,
    decode_transitions,
    key_periods,
    signer_among,
)

FORMAT = "longarm-evidence-package/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
_READ_BYTES = 1024 * 1024
_MANIFEST_LIMIT = 64 * 1024 * 1024
_SIGNATURE_LIMIT = 4096
# Whatever the ZIP reader or JSON parser raises on a damaged or hostile file.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    OverflowError,
    EOFError,
    OSError,
    UnicodeError,
    MemoryError,
    RecursionError,
)


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


def package_zip(
    *,
    files: Iterable[tuple[str, Iterable[bytes]]],
    manifest: bytes,
    signature: bytes,
    stamp: tuple[int, int, int, int, int, int],
) -> Iterator[bytes]:
    """Yield the bytes of a package ZIP: the files (stored, ZIP64, in the order given), then the manifest and
    its signature, every entry stamped ``stamp``. The one writer of packages: the server streams it, the
    verifier makes it again to compare."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[call-overload]  # write-only streams are supported
        for path, pieces in files:
            with archive.open(zipfile.ZipInfo(path, date_time=stamp), mode="w", force_zip64=True) as entry:
                for piece in pieces:
                    entry.write(piece)
                    yield sink.take()
        archive.writestr(zipfile.ZipInfo(MANIFEST, date_time=stamp), manifest)
        archive.writestr(zipfile.ZipInfo(SIGNATURE, date_time=stamp), signature)
    yield sink.take()


def encode_public_key(public_key: bytes) -> str:
    return base64.b64encode(public_key).decode("ascii")


def parse_public_key(text: str) -> bytes:
    """A 32-byte Ed25519 public key given as base64 or hex, or the path of a file holding one.

    Raises:
        ValueError: if it is none of these.
    """
    candidate = text.strip()
    try:
        path = Path(candidate)
        if candidate and len(candidate) < 4096 and path.is_file():
            candidate = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError, ValueError):
        raise ValueError("the public key file cannot be read") from None
    for decode in (bytes.fromhex, lambda value: base64.b64decode(value, validate=True)):
        try:
            key = decode(candidate)
        except (ValueError, binascii.Error):
            continue
        if len(key) == 32:
            return key
    raise ValueError("not an Ed25519 public key (32 bytes, base64 or hex)")


@dataclass
class Verification:
    signature_valid: bool = False
    key_from_package: bool = False
    public_key: str = ""
    # Set when an earlier key of the rotation chain signed: when it was retired.
    retired_key_at: str = ""
    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Intact and signed by the key the verifier was given (never by a key the package names)."""
        return (
            self.signature_valid
            and not self.key_from_package
            and not (self.problems or self.added or self.removed or self.changed)
        )


def _expected_files(manifest: Any) -> dict[str, tuple[str, int]]:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("not a Longarm evidence package manifest")
    expected: dict[str, tuple[str, int]] = {}
    for entry in manifest["files"]:
        path, sha256, size = entry["path"], entry["sha256"], entry["size"]
        if not (isinstance(path, str) and isinstance(sha256, str) and isinstance(size, int)):
            raise ValueError("malformed file entry")
        expected[path] = (sha256, size)
    return expected


def _stamp(manifest: dict[str, Any]) -> tuple[int, int, int, int, int, int]:
    created = datetime.fromisoformat(str(manifest["created_at"]))
    year, month, day, hour, minute, second = created.timetuple()[:6]
    return year, month, day, hour, minute, second


class _Member:
    """One entry's content, read once: hashed for the manifest check while it feeds the rebuilt ZIP."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self.archive, self.info = archive, info
        self.digest, self.size, self.failed = hashlib.sha256(), 0, False

    def pieces(self) -> Iterator[bytes]:
        try:
            with self.archive.open(self.info) as member:
                while piece := member.read(_READ_BYTES):
                    self.digest.update(piece)
                    self.size += len(piece)
                    yield piece
        except _READ_ERRORS:
            self.failed = True


def _hash_file(source: Path | BinaryIO) -> str:
    digest = hashlib.sha256()
    if isinstance(source, Path):
        with source.open("rb") as file:
            while piece := file.read(_READ_BYTES):
                digest.update(piece)
    else:
        source.seek(0)
        while piece := source.read(_READ_BYTES):
            digest.update(piece)
    return digest.hexdigest()


def verify_package(
    source: Path | BinaryIO, *, public_key: bytes | None, transitions: Sequence[SigningTransition] = ()
) -> Verification:
    """Check a package's signature, every file against its manifest and the ZIP's exact bytes, naming each
    file added, removed or changed. Never raises for anything in the file.

    ``transitions`` (checked already: ``decode_transitions``) let a package signed by another key of the
    given key's rotation chain verify, if it was made before that key was retired."""
    result = Verification()
    try:
        _verify(source, public_key, transitions, result)
    except _READ_ERRORS as error:
        result.problems.append(f"the ZIP file is damaged ({type(error).__name__})")
    return result


def _check_signature(
    key: bytes,
    transitions: Sequence[SigningTransition],
    manifest: dict[str, Any],
    manifest_raw: bytes,
    signature_raw: bytes,
    result: Verification,
) -> None:
    try:
        signer = signer_among(
            key_periods(key, transitions),
            manifest_raw,
            base64.b64decode(signature_raw.strip(), validate=True),
        )
    except (binascii.Error, SignatureError, ValueError):
        result.problems.append("the signature does not match the manifest and key")
        return
    result.public_key = encode_public_key(signer.public_key)
    if signer.retired_at is not None:
        result.retired_key_at = signer.retired_at.isoformat()
        created = datetime.fromisoformat(str(manifest["created_at"]))
        if created.tzinfo is None or created >= signer.retired_at:
            result.problems.append(
                f"signed by a key retired on {signer.retired_at:%Y-%m-%d %H:%M} UTC, but dated after it"
            )
            return
    result.signature_valid = True


def _verify(
    source: Path | BinaryIO,
    public_key: bytes | None,
    transitions: Sequence[SigningTransition],
    result: Verification,
) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except _READ_ERRORS:
        result.problems.append("not a readable ZIP file")
        return
    with archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            result.problems.append("the ZIP holds two entries of the same name")
        if names.count(MANIFEST) != 1 or names.count(SIGNATURE) != 1:
            result.problems.append("manifest.json or manifest.sig is missing")
            return
        manifest_info, signature_info = archive.getinfo(MANIFEST), archive.getinfo(SIGNATURE)
        if manifest_info.file_size > _MANIFEST_LIMIT or signature_info.file_size > _SIGNATURE_LIMIT:
            result.problems.append("manifest.json or manifest.sig is far larger than any Longarm writes")
            return
        try:
            manifest_raw = archive.read(MANIFEST)
            signature_raw = archive.read(SIGNATURE)
        except _READ_ERRORS:
            result.problems.append("manifest.json or manifest.sig cannot be read (damaged)")
            return
        try:
            manifest = json.loads(manifest_raw)
            expected = _expected_files(manifest)
            embedded_key = parse_public_key(str(manifest.get("signing_public_key", "")))
            stamp = _stamp(manifest)
        except (*_READ_ERRORS, AttributeError):
            result.problems.append("manifest.json is malformed")
            return
        key = public_key or embedded_key
        result.key_from_package = public_key is None
        result.public_key = encode_public_key(key)
        _check_signature(
            key, transitions if public_key else (), manifest, manifest_raw, signature_raw, result
        )
        present = [name for name in names if name not in {MANIFEST, SIGNATURE}]
        result.added = sorted(set(present) - set(expected))
        result.removed = sorted(set(expected) - set(present))
        members = [_Member(archive, info) for info in infos if info.filename not in {MANIFEST, SIGNATURE}]
        rebuilt = hashlib.sha256()
        for piece in package_zip(
            files=((member.info.filename, member.pieces()) for member in members),
            manifest=manifest_raw,
            signature=signature_raw,
            stamp=stamp,
        ):
            rebuilt.update(piece)
        for member in members:
            name = member.info.filename
            if name not in expected:
                continue
            actual = (member.digest.hexdigest(), member.size)
            (result.verified if not member.failed and actual == expected[name] else result.changed).append(
                name
            )
        if rebuilt.hexdigest() != _hash_file(source):
            result.problems.append(
                "the ZIP is not byte for byte the package as written (its structure or order was altered)"
            )


def _print_report(result: Verification, write: Callable[[str], None]) -> None:
    for problem in result.problems:
        write(f"PROBLEM  {problem}")
    for label, names in (("ADDED", result.added), ("REMOVED", result.removed), ("CHANGED", result.changed)):
        for name in names:
            write(f"{label:8} {name}")
    for name in result.verified:
        write(f"OK       {name}")


class Output(Protocol):
    def write(self, text: str, /) -> Any: ...


def run(argv: list[str], out: Output) -> int:
    """The command: returns 0 only for a package that verifies against the given key, else 1 (2 for a
    command line that cannot be understood)."""
    parser = argparse.ArgumentParser(
        prog="longarm evidence verify",
        description="Check an evidence package's signature and every file in it, offline.",
    )
    parser.add_argument("package", type=Path)
    parser.add_argument(
        "--transitions",
        type=Path,
        help="The organisation's signing-key rotations (signing-transitions.json): a package signed by an "
        "earlier or later key of that chain then verifies too, if made before its key was retired.",
    )
    parser.add_argument(
        "--public-key",
        help="The organisation's published Ed25519 key (base64, hex, or a file holding it). Required for "
        "a package to verify: a key named inside the package proves nothing about who signed it.",
    )
    try:
        options = parser.parse_args(argv)
    except SystemExit as leaving:
        return int(leaving.code or 0) and 2

    def write(line: str) -> None:
        out.write(line + "\n")

    public_key = None
    if options.public_key:
        try:
            public_key = parse_public_key(options.public_key)
        except ValueError as error:
            write(f"PROBLEM  --public-key: {error}")
            return 1
    transitions: list[SigningTransition] = []
    if options.transitions:
        try:
            transitions = decode_transitions(options.transitions.read_bytes())
        except (OSError, ValueError, SignatureError) as error:
            write(f"PROBLEM  --transitions: {error}")
            return 1
    if not options.package.is_file():
        write(f"PROBLEM  {options.package} is not a file")
        return 1
    try:
        result = verify_package(options.package, public_key=public_key, transitions=transitions)
    except Exception as error:  # the promise is a named problem, never a traceback
        write(f"PROBLEM  the package could not be checked ({type(error).__name__})")
        return 1
    _print_report(result, write)
    if result.signature_valid:
        write(f"signature valid, key {result.public_key}")
        if result.retired_key_at:
            write(
                f"signed by an earlier key of the organisation, retired on {result.retired_key_at}; the "
                "rotation is signed by both keys"
            )
    if result.key_from_package:
        write(
            "NOT VERIFIED: no --public-key was given, so the signature was checked only against the key "
            "named inside the package, which anyone re-signing it could have put there; pass --public-key "
            "with the organisation's published key"
        )
        return 1
    if not result.ok:
        write("the package does NOT verify")
        return 1
    write(f"package verified: {len(result.verified)} file(s) intact")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv, sys.stdout)
