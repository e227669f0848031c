"""Evidence packages: a ZIP of chosen files, ``manifest.json`` (report reference, every file's SHA-256 and
size, the custody log) and ``manifest.sig``, an Ed25519 signature of the manifest's exact bytes by the
keyring's signing key. ``verify_package`` checks one offline, with nothing but the file and the public key.

The ZIP is streamed as it is made, straight from decryption to the response: no plaintext copy of it is
ever written on the server.
"""

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from longarm.crypto.signing import sign, signing_public_key

# The offline verifier, and the one ZIP writer it shares with ``stream_package``, need no Django: they live
# in ``verify`` (``longarm evidence verify`` runs it before Django is set up).
from longarm.evidence.verify import (
    FORMAT,
    MANIFEST,
    SIGNATURE,
    Verification,
    encode_public_key,
    package_zip,
    parse_public_key,
    verify_package,
)

__all__ = [
    "FORMAT",
    "MANIFEST",
    "SIGNATURE",
    "HashMismatch",
    "PackageFile",
    "Verification",
    "encode_public_key",
    "manifest_bytes",
    "parse_public_key",
    "public_key_of",
    "signature_text",
    "stream_package",
    "verify_package",
]


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


def signature_text(signing_seed: bytes, manifest: bytes) -> bytes:
    return base64.b64encode(sign(signing_seed, manifest)) + b"\n"


class HashMismatch(Exception):
    """A stored file did not decrypt to the hash on record: the package is abandoned mid-stream."""


def stream_package(
    *, files: list[PackageFile], manifest: bytes, signing_seed: bytes, created: datetime
) -> Iterator[bytes]:
    """Yield the package ZIP. Each file is hashed as it streams; if one does not match its manifest entry,
    ``HashMismatch`` is raised and the ZIP is left unfinished, so it can never verify."""
    year, month, day, hour, minute, second = created.timetuple()[:6]
    yield from package_zip(
        files=((file.path, _checked(file)) for file in files),
        manifest=manifest,
        signature=signature_text(signing_seed, manifest),
        stamp=(year, month, day, hour, minute, second),
    )


def _checked(file: PackageFile) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for piece in file.content():
        digest.update(piece)
        yield piece
    if digest.hexdigest() != file.sha256:
        raise HashMismatch(file.path)


def public_key_of(signing_seed: bytes) -> str:
    return encode_public_key(signing_public_key(signing_seed))
