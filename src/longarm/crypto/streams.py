"""Encryption of files of any size in constant memory (libsodium secretstream, XChaCha20-Poly1305).

Stream format: one version byte (0x01) and the 24-byte secretstream header, then the plaintext in
64 KiB chunks, each encrypted and authenticated (17 bytes longer). Every chunk is bound to its
position; the last carries the FINAL tag, so truncation, reordering and appended data are detected.
Each chunk's associated data is the version byte followed by the caller's context.

Decryption yields each chunk as soon as it is authentic, before the end of the stream is verified:
treat the output as untrusted, and discard it, unless iteration finishes without an exception.

A writer may pad a stream by encrypting filler after the plaintext, so that the ciphertext's length
says less about the plaintext's; the reader then passes the plaintext's length (kept elsewhere under
the same key) and gets only that many bytes, the filler being authenticated and dropped.
"""

import hashlib
from collections.abc import Buffer, Iterable, Iterator

import nacl.exceptions
from nacl.bindings import (
    crypto_secretstream_xchacha20poly1305_ABYTES,
    crypto_secretstream_xchacha20poly1305_HEADERBYTES,
    crypto_secretstream_xchacha20poly1305_init_pull,
    crypto_secretstream_xchacha20poly1305_init_push,
    crypto_secretstream_xchacha20poly1305_pull,
    crypto_secretstream_xchacha20poly1305_push,
    crypto_secretstream_xchacha20poly1305_state,
    crypto_secretstream_xchacha20poly1305_TAG_FINAL,
    crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
)

from longarm.crypto._checks import require_context, require_length
from longarm.crypto.envelopes import KEY_BYTES
from longarm.crypto.errors import DecryptionError

CHUNK_BYTES = 65536
VERSION = b"\x01"
HEADER_BYTES = len(VERSION) + crypto_secretstream_xchacha20poly1305_HEADERBYTES
ENCRYPTED_CHUNK_BYTES = CHUNK_BYTES + crypto_secretstream_xchacha20poly1305_ABYTES

_FINAL = crypto_secretstream_xchacha20poly1305_TAG_FINAL
_MESSAGE = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE


class _Reader:
    """Reads exact-size blocks from an iterable of arbitrarily sized byte strings."""

    def __init__(self, source: Iterable[Buffer]) -> None:
        self._pieces = iter(source)
        self._view = memoryview(b"")

    def exhausted(self) -> bool:
        while not len(self._view):
            try:
                self._view = memoryview(next(self._pieces)).cast("B")
            except StopIteration:
                return True
        return False

    def read(self, size: int) -> bytes:
        """Return ``size`` bytes, or fewer only when the source ends."""
        block = bytearray()
        while len(block) < size and not self.exhausted():
            take = size - len(block)
            block += self._view[:take]
            self._view = self._view[take:]
        return bytes(block)


def encrypt_stream(key: bytes, source: Iterable[Buffer], *, context: bytes) -> Iterator[bytes]:
    """Encrypt a stream of plaintext pieces of any sizes, holding at most one chunk in memory.

    Returns:
        an iterator yielding the 25-byte header, then one encrypted block per 64 KiB of plaintext
        (the last one shorter, possibly holding no plaintext). Concatenated, they are the ciphertext.

    Raises:
        ValueError: at once, if ``key`` is not 32 bytes or ``context`` is empty.
    """
    require_length(key, KEY_BYTES, "key")
    require_context(context)
    return _encrypt_blocks(key, _Reader(source), VERSION + context)


def _encrypt_blocks(key: bytes, reader: _Reader, additional_data: bytes) -> Iterator[bytes]:
    state = crypto_secretstream_xchacha20poly1305_state()
    yield VERSION + crypto_secretstream_xchacha20poly1305_init_push(state, key)
    while True:
        block = reader.read(CHUNK_BYTES)
        tag = _FINAL if reader.exhausted() else _MESSAGE
        yield crypto_secretstream_xchacha20poly1305_push(state, block, additional_data, tag)
        if tag == _FINAL:
            return


def _joined(views: list[memoryview]) -> bytes:
    """The bytes the views show, without a copy when a single view shows a whole bytes object."""
    if len(views) == 1 and isinstance(views[0].obj, bytes) and len(views[0]) == len(views[0].obj):
        return views[0].obj
    return b"".join(views)


class StreamEncryptor:
    """Push-style twin of :func:`encrypt_stream`, for data that arrives piece by piece (an upload).

    ``header`` must be written first; then the output of every :meth:`write` (or :meth:`write_chunks`)
    and finally of :meth:`finish`. Together they are byte for byte what :func:`encrypt_stream` makes of
    the same plaintext, so :func:`decrypt_stream` reads either. At most one chunk of plaintext is held.
    """

    def __init__(self, key: bytes, *, context: bytes) -> None:
        require_length(key, KEY_BYTES, "key")
        require_context(context)
        self._additional_data = VERSION + context
        self._state = crypto_secretstream_xchacha20poly1305_state()
        self.header = VERSION + crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        # Views of the held-back plaintext, CHUNK_BYTES at most in total; they only ever look into
        # immutable bytes, so holding them copies nothing and nothing can change them.
        self._held: list[memoryview] = []
        self._held_bytes = 0
        self._finished = False

    def write(self, piece: Buffer) -> bytes:
        """Take more plaintext; return the ciphertext of the chunks it completed (often empty).

        A full chunk is held back until more data arrives, because the last chunk, full or not,
        must carry the FINAL tag.

        Raises:
            RuntimeError: after :meth:`finish`.
        """
        return b"".join(self.write_chunks(piece))

    def write_chunks(self, piece: Buffer) -> list[bytes]:
        """Like :meth:`write`, but return the encrypted chunks one by one, sparing the copy that joins
        them (a writer hands the list to ``os.writev``).

        Raises:
            RuntimeError: after :meth:`finish`.
        """
        if self._finished:
            raise RuntimeError("the stream is already finished")
        # A caller may reuse a mutable buffer once we return, so only bytes are held without a copy.
        view = memoryview(piece if type(piece) is bytes else bytes(piece))
        out: list[bytes] = []
        held = self._held
        while len(view):
            if self._held_bytes == CHUNK_BYTES:
                out.append(self._push(_MESSAGE))
            take = CHUNK_BYTES - self._held_bytes
            held.append(view[:take])
            self._held_bytes += min(take, len(view))
            view = view[take:]
        return out

    def _push(self, tag: int) -> bytes:
        block = _joined(self._held)
        self._held.clear()
        self._held_bytes = 0
        return crypto_secretstream_xchacha20poly1305_push(self._state, block, self._additional_data, tag)

    def finish(self) -> bytes:
        """Return the final chunk (the rest of the plaintext, possibly empty) with the FINAL tag.

        Raises:
            RuntimeError: if called twice.
        """
        if self._finished:
            raise RuntimeError("the stream is already finished")
        self._finished = True
        return self._push(_FINAL)


def decrypt_stream(
    key: bytes, source: Iterable[Buffer], *, context: bytes, length: int | None = None
) -> Iterator[bytes]:
    """Decrypt a stream made by :func:`encrypt_stream`, given as pieces of any sizes.

    With ``length``, only the first ``length`` bytes of plaintext are yielded and the rest (padding) is
    authenticated and dropped; a stream holding fewer bytes counts as truncated.

    Returns:
        an iterator yielding the plaintext chunk by chunk. It raises ``DecryptionError`` during
        iteration if the stream was altered, truncated, reordered or extended, is in an unknown
        format, or ``key`` or ``context`` is wrong; chunks already yielded must then be discarded.

    Raises:
        ValueError: at once, if ``context`` is empty or ``length`` is negative.
    """
    require_context(context)
    if length is not None and length < 0:
        raise ValueError("length must not be negative")
    blocks = _decrypt_blocks(key, _Reader(source), VERSION + context)
    return blocks if length is None else _first(blocks, length)


def _first(blocks: Iterator[bytes], length: int) -> Iterator[bytes]:
    remaining = length
    for block in blocks:
        if remaining >= len(block):
            remaining -= len(block)
            yield block
        elif remaining:
            yield block[:remaining]
            remaining = 0
    if remaining:
        raise DecryptionError("cannot decrypt stream: it is shorter than its recorded length")


def _decrypt_blocks(key: bytes, reader: _Reader, additional_data: bytes) -> Iterator[bytes]:
    if len(key) != KEY_BYTES:
        raise DecryptionError("cannot decrypt stream: the key has the wrong length")
    header = reader.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        raise DecryptionError("cannot decrypt stream: it is truncated")
    if header[:1] != VERSION:
        raise DecryptionError("cannot decrypt stream: unknown format version")
    state = crypto_secretstream_xchacha20poly1305_state()
    crypto_secretstream_xchacha20poly1305_init_pull(state, header[1:], key)
    while True:
        block = reader.read(ENCRYPTED_CHUNK_BYTES)
        if len(block) < crypto_secretstream_xchacha20poly1305_ABYTES:
            raise DecryptionError("cannot decrypt stream: it is truncated")
        try:
            plaintext, tag = crypto_secretstream_xchacha20poly1305_pull(state, block, additional_data)
        except nacl.exceptions.CryptoError:
            raise DecryptionError(
                "cannot decrypt stream: tampered or reordered chunk, wrong key or wrong context"
            ) from None
        if tag == _FINAL:
            if not reader.exhausted():
                raise DecryptionError("cannot decrypt stream: data follows the final chunk")
            yield plaintext
            return
        yield plaintext


class HashingSource:
    """Passes byte strings through unchanged while computing their SHA-256 and total size.

    Wrap the plaintext going into :func:`encrypt_stream` to record the original's hash, or the output
    of :func:`decrypt_stream` to check it. Iterate it once.
    """

    def __init__(self, source: Iterable[bytes]) -> None:
        self._source = source
        self._hash = hashlib.sha256()
        self._size = 0
        self._started = False
        self._complete = False

    def __iter__(self) -> Iterator[bytes]:
        if self._started:
            raise RuntimeError("a HashingSource can be iterated only once")
        self._started = True
        return self._pass_through()

    def _pass_through(self) -> Iterator[bytes]:
        for piece in self._source:
            self._hash.update(piece)
            self._size += len(piece)
            yield piece
        self._complete = True

    def _require_complete(self) -> None:
        if not self._complete:
            raise RuntimeError("the source has not been read to its end")

    @property
    def size(self) -> int:
        """Total bytes passed through.

        Raises:
            RuntimeError: if the source has not been read to its end.
        """
        self._require_complete()
        return self._size

    def digest(self) -> bytes:
        """Return the 32-byte SHA-256 of everything passed through.

        Raises:
            RuntimeError: if the source has not been read to its end.
        """
        self._require_complete()
        return self._hash.digest()

    def hexdigest(self) -> str:
        """Return the SHA-256 of everything passed through, as 64 lowercase hex digits.

        Raises:
            RuntimeError: if the source has not been read to its end.
        """
        self._require_complete()
        return self._hash.hexdigest()
