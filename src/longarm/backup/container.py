"""The file format of backups and keyring exports: encrypted to the recovery public key, signed by the server.

Layout: ``MAGIC``, a 4-byte big-endian header length, the JSON header, a secretstream ciphertext (see
``crypto.streams``) under a fresh data key sealed in the header to the recovery public key, and a 64-byte
Ed25519 signature by the signing key over the SHA-256 of everything before it. Anyone with the signing public
key can check that a file is whole and ours without decrypting it; only the recovery private key opens it.
"""

import base64
import hashlib
import io
import json
import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from longarm.crypto.envelopes import keypair_from_private_key, new_data_key, seal, unseal
from longarm.crypto.errors import DecryptionError, SignatureError
from longarm.crypto.keyring import Keyring
from longarm.crypto.signing import sign, signing_public_key
from longarm.crypto.signing_transitions import SigningTransition, key_periods, signer_among
from longarm.crypto.streams import ENCRYPTED_CHUNK_BYTES, StreamEncryptor, decrypt_stream

MAGIC = b"LONGARM-CONTAINER v1\n"
SIGNATURE_BYTES = 64
_SIGNED = b"longarm-container-v1\0"
_MAX_HEADER_BYTES = 65536
_READ_BYTES = 1024 * 1024


class ContainerError(Exception):
    """A file that is not a whole, authentic container of the expected kind; the message names the problem."""


@dataclass(frozen=True)
class Header:
    kind: str
    created: str
    signing_public_key: bytes
    recovery_public_key: bytes
    sealed_key: bytes

    def encode(self) -> bytes:
        return json.dumps(
            {
                "kind": self.kind,
                "created": self.created,
                "signing_public_key": _b64(self.signing_public_key),
                "recovery_public_key": _b64(self.recovery_public_key),
                "sealed_key": _b64(self.sealed_key),
            },
            sort_keys=True,
        ).encode()

    @staticmethod
    def decode(raw: bytes) -> "Header":
        try:
            fields = json.loads(raw)
            return Header(
                kind=str(fields["kind"]),
                created=str(fields["created"]),
                signing_public_key=base64.b64decode(fields["signing_public_key"], validate=True),
                recovery_public_key=base64.b64decode(fields["recovery_public_key"], validate=True),
                sealed_key=base64.b64decode(fields["sealed_key"], validate=True),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ContainerError("the header is damaged") from error


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _context(kind: str) -> bytes:
    return f"longarm-container:{kind}".encode()


class ContainerWriter(io.RawIOBase):
    """A write-only file: what is written is encrypted into ``path`` (first as ``path.partial``, renamed to
    ``path`` by :meth:`close` once signed and synced, so a crash never leaves a file that looks whole)."""

    def __init__(self, path: Path, *, kind: str, keyring: Keyring, created: str) -> None:
        super().__init__()
        self.path = path
        self._partial = path.with_name(path.name + ".partial")
        data_key = new_data_key()
        header = Header(
            kind=kind,
            created=created,
            signing_public_key=signing_public_key(keyring.signing_seed),
            recovery_public_key=keyring.recovery_public_key,
            sealed_key=seal(keyring.recovery_public_key, data_key),
        ).encode()
        self._signing_seed = keyring.signing_seed
        self._encryptor = StreamEncryptor(data_key, context=_context(kind))
        self._digest = hashlib.sha256()
        fd = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._emit(MAGIC + struct.pack(">I", len(header)) + header + self._encryptor.header)
        self.bytes_written = 0
        self._done = False

    def writable(self) -> bool:
        return True

    def _emit(self, data: bytes) -> None:
        if data:
            self._digest.update(data)
            self._file.write(data)

    def write(self, data: object) -> int:
        view = memoryview(data)  # type: ignore[arg-type]  # tarfile hands us bytes-like objects
        self._emit(self._encryptor.write(view))
        self.bytes_written += view.nbytes
        return view.nbytes

    def close(self) -> None:
        if self._done or self.closed:
            super().close()
            return
        self._done = True
        self._emit(self._encryptor.finish())
        self._file.write(sign(self._signing_seed, _SIGNED + self._digest.digest()))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._partial, self.path)
        super().close()

    def abandon(self) -> None:
        """Drop a container that could not be completed."""
        self._done = True
        self._file.close()
        self._partial.unlink(missing_ok=True)
        super().close()


def read_header(path: Path) -> tuple[Header, int]:
    """The header, and the offset where the ciphertext starts."""
    with path.open("rb") as file:
        if file.read(len(MAGIC)) != MAGIC:
            raise ContainerError("not a Longarm backup or keyring file")
        raw_length = file.read(4)
        if len(raw_length) != 4:
            raise ContainerError("the file is truncated")
        (length,) = struct.unpack(">I", raw_length)
        if length > _MAX_HEADER_BYTES:
            raise ContainerError("the header is damaged")
        raw = file.read(length)
        if len(raw) != length:
            raise ContainerError("the file is truncated")
    return Header.decode(raw), len(MAGIC) + 4 + length


def check_signature(
    path: Path, *, public_key: bytes, kind: str, transitions: Sequence[SigningTransition] = ()
) -> Header:
    """Check that ``path`` is a whole container of ``kind`` signed by ``public_key``, or by another key of
    its chain of signing-key rotations (``transitions``, checked already) on a day before that key was
    retired; return its header.

    Raises:
        ContainerError: naming what is wrong.
    """
    header, _ = read_header(path)
    if header.kind != kind:
        raise ContainerError(f"this is a {header.kind} file, not a {kind}")
    size = path.stat().st_size
    if size < SIGNATURE_BYTES + len(MAGIC):
        raise ContainerError("the file is truncated")
    digest = hashlib.sha256()
    with path.open("rb") as file:
        remaining = size - SIGNATURE_BYTES
        while remaining:
            block = file.read(min(_READ_BYTES, remaining))
            if not block:
                raise ContainerError("the file is truncated")
            digest.update(block)
            remaining -= len(block)
        signature = file.read(SIGNATURE_BYTES)
    try:
        signer = signer_among(key_periods(public_key, transitions), _SIGNED + digest.digest(), signature)
    except SignatureError as error:
        raise ContainerError(
            "the signature does not match: the file was altered, truncated, or signed by another key"
        ) from error
    # Made on a day (``created`` is a date): a retired key signs nothing dated after the day it was retired.
    if signer.retired_at is not None and header.created > signer.retired_at.date().isoformat():
        raise ContainerError(
            f"signed by a signing key retired on {signer.retired_at:%Y-%m-%d}, but dated {header.created}"
        )
    return header


def _ciphertext(path: Path, start: int) -> Iterator[bytes]:
    end = path.stat().st_size - SIGNATURE_BYTES
    with path.open("rb") as file:
        file.seek(start)
        remaining = end - start
        while remaining > 0:
            block = file.read(min(ENCRYPTED_CHUNK_BYTES * 16, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block


class _PlaintextReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        target = memoryview(buffer)  # type: ignore[arg-type]  # io hands us a writable buffer
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
            except DecryptionError as error:
                raise ContainerError("the contents do not decrypt: the file is damaged") from error
        count = min(len(target), len(self._pending))
        target[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def open_plaintext(path: Path, *, recovery_private_key: bytes, kind: str) -> BinaryIO:
    """A readable stream of the decrypted contents (check the signature first: chunks are authenticated one
    by one, and a reader that stops early has not seen the end verified).

    Raises:
        ContainerError: if the recovery key does not open it.
    """
    header, start = read_header(path)
    if header.kind != kind:
        raise ContainerError(f"this is a {header.kind} file, not a {kind}")
    if keypair_from_private_key(recovery_private_key).public != header.recovery_public_key:
        # After a rotation, older files stay encrypted to the key of their day, which still opens them.
        given = keypair_from_private_key(recovery_private_key).public
        raise ContainerError(
            f"this file is encrypted to the recovery key {header.recovery_public_key[:8].hex()}, not to the "
            f"one given ({given[:8].hex()}): a file made before a recovery-key rotation opens only with the "
            "recovery key of its day"
        )
    try:
        data_key = unseal(recovery_private_key, header.sealed_key)
    except DecryptionError as error:
        raise ContainerError("this recovery key does not open the file") from error
    chunks = decrypt_stream(data_key, _ciphertext(path, start), context=_context(kind))
    return io.BufferedReader(_PlaintextReader(chunks), buffer_size=_READ_BYTES)
