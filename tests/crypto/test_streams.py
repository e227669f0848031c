import hashlib
import itertools
import secrets
from collections.abc import Iterable, Iterator

import pytest

from longarm.crypto.envelopes import new_data_key
from longarm.crypto.errors import DecryptionError
from longarm.crypto.streams import (
    CHUNK_BYTES,
    ENCRYPTED_CHUNK_BYTES,
    HEADER_BYTES,
    HashingSource,
    decrypt_stream,
    encrypt_stream,
)

CONTEXT = b"evidence:3b0a8c1e-0000-4000-8000-000000000007:original"
MIB = 1024 * 1024


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def encrypt_blocks(key: bytes, data: bytes, piece_size: int = CHUNK_BYTES) -> list[bytes]:
    return list(encrypt_stream(key, pieces(data, piece_size), context=CONTEXT))


def decrypt_all(key: bytes, source: Iterable[bytes], context: bytes = CONTEXT) -> bytes:
    return b"".join(decrypt_stream(key, source, context=context))


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES, 3 * MIB + 123],
    ids=[
        "empty",
        "one-byte",
        "chunk-minus-one",
        "exactly-one-chunk",
        "chunk-plus-one",
        "two-chunks",
        "several-mib",
    ],
)
@pytest.mark.parametrize("piece_size", [1000, CHUNK_BYTES + 7, 4 * MIB], ids=["small", "odd", "whole"])
def test_decrypting_returns_exactly_what_was_encrypted(size: int, piece_size: int) -> None:
    key = new_data_key()
    data = secrets.token_bytes(size)

    blocks = encrypt_blocks(key, data, piece_size)

    assert decrypt_all(key, blocks) == data


@pytest.mark.parametrize(
    ("size", "chunks"),
    [(0, 1), (1, 1), (CHUNK_BYTES, 1), (CHUNK_BYTES + 1, 2), (3 * CHUNK_BYTES, 3), (3 * CHUNK_BYTES + 1, 4)],
)
def test_plaintext_is_cut_into_64_kib_chunks_with_the_last_one_final(size: int, chunks: int) -> None:
    blocks = encrypt_blocks(new_data_key(), bytes(size), piece_size=1000)

    header, body = blocks[0], blocks[1:]
    assert len(header) == HEADER_BYTES
    assert header[0] == 0x01
    assert len(body) == chunks
    assert all(len(block) == ENCRYPTED_CHUNK_BYTES for block in body[:-1])
    assert len(body[-1]) == size - (chunks - 1) * CHUNK_BYTES + (ENCRYPTED_CHUNK_BYTES - CHUNK_BYTES)


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    data = b"name of my brother in Lhasa " * 5000

    ciphertext = b"".join(encrypt_blocks(new_data_key(), data))

    assert b"brother" not in ciphertext


def test_decryption_does_not_depend_on_how_the_ciphertext_is_split() -> None:
    key = new_data_key()
    data = secrets.token_bytes(2 * CHUNK_BYTES + 5)
    ciphertext = b"".join(encrypt_blocks(key, data))

    for piece_size in [1, 3, 17, ENCRYPTED_CHUNK_BYTES - 1, ENCRYPTED_CHUNK_BYTES + 1, len(ciphertext)]:
        assert decrypt_all(key, pieces(ciphertext, piece_size)) == data


def test_encryption_reads_its_source_lazily_in_constant_memory() -> None:
    consumed = 0

    def endless() -> Iterator[bytes]:
        nonlocal consumed
        while True:
            consumed += 4096
            yield bytes(4096)

    blocks = encrypt_stream(new_data_key(), endless(), context=CONTEXT)
    first = list(itertools.islice(blocks, 4))

    assert [len(block) for block in first[1:]] == [ENCRYPTED_CHUNK_BYTES] * 3
    assert consumed <= 4 * CHUNK_BYTES + 4096


def test_decryption_yields_chunk_by_chunk_without_reading_ahead() -> None:
    key = new_data_key()
    ciphertext = b"".join(encrypt_blocks(key, bytes(10 * CHUNK_BYTES)))
    consumed = 0

    def counted() -> Iterator[bytes]:
        nonlocal consumed
        for piece in pieces(ciphertext, 1000):
            consumed += len(piece)
            yield piece

    first = next(decrypt_stream(key, counted(), context=CONTEXT))

    assert first == bytes(CHUNK_BYTES)
    assert consumed <= HEADER_BYTES + 2 * ENCRYPTED_CHUNK_BYTES + 1000


def test_bytearray_and_memoryview_pieces_are_accepted() -> None:
    key = new_data_key()

    blocks = list(encrypt_stream(key, [bytearray(b"abc"), memoryview(b"def")], context=CONTEXT))

    assert decrypt_all(key, blocks) == b"abcdef"


@pytest.mark.parametrize(
    "position",
    [0, 1, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + ENCRYPTED_CHUNK_BYTES + 100, -17, -1],
    ids=[
        "version",
        "header-first",
        "header-last",
        "first-chunk",
        "middle-chunk",
        "last-chunk-body",
        "last-chunk-tag",
    ],
)
def test_flipping_a_bit_anywhere_raises_decryption_error(position: int) -> None:
    key = new_data_key()
    ciphertext = b"".join(encrypt_blocks(key, secrets.token_bytes(2 * CHUNK_BYTES + 10)))

    with pytest.raises(DecryptionError):
        decrypt_all(key, [flip(ciphertext, position)])


def test_unknown_stream_version_is_reported_as_such() -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, b"data")

    with pytest.raises(DecryptionError, match="version"):
        decrypt_all(key, [b"\x02" + blocks[0][1:], *blocks[1:]])


def test_dropping_the_final_chunk_raises_decryption_error() -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, secrets.token_bytes(3 * CHUNK_BYTES))

    with pytest.raises(DecryptionError, match="truncated"):
        decrypt_all(key, blocks[:-1])


def test_dropping_the_short_final_chunk_of_an_uneven_stream_raises_decryption_error() -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, secrets.token_bytes(2 * CHUNK_BYTES + 5))

    with pytest.raises(DecryptionError, match="truncated"):
        decrypt_all(key, blocks[:-1])


@pytest.mark.parametrize("cut", [0, 1, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 16, -1, -100])
def test_cutting_the_stream_anywhere_raises_decryption_error(cut: int) -> None:
    key = new_data_key()
    ciphertext = b"".join(encrypt_blocks(key, secrets.token_bytes(CHUNK_BYTES + 10)))

    with pytest.raises(DecryptionError):
        decrypt_all(key, [ciphertext[:cut]])


def test_cutting_a_stream_short_of_its_final_chunk_inside_a_message_chunk_raises() -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, secrets.token_bytes(3 * CHUNK_BYTES))

    with pytest.raises(DecryptionError):
        decrypt_all(key, [*blocks[:2], blocks[2][:-1]])


def test_reordering_chunks_raises_decryption_error() -> None:
    key = new_data_key()
    header, first, second, *rest = encrypt_blocks(key, secrets.token_bytes(3 * CHUNK_BYTES + 1))

    with pytest.raises(DecryptionError):
        decrypt_all(key, [header, second, first, *rest])


def test_repeating_a_chunk_raises_decryption_error() -> None:
    key = new_data_key()
    header, first, *rest = encrypt_blocks(key, secrets.token_bytes(2 * CHUNK_BYTES + 1))

    with pytest.raises(DecryptionError):
        decrypt_all(key, [header, first, first, *rest])


def test_splicing_chunks_from_another_stream_under_the_same_key_raises() -> None:
    key = new_data_key()
    ours = encrypt_blocks(key, secrets.token_bytes(CHUNK_BYTES + 1))
    theirs = encrypt_blocks(key, secrets.token_bytes(CHUNK_BYTES + 1))

    with pytest.raises(DecryptionError):
        decrypt_all(key, [*ours[:2], theirs[2]])


@pytest.mark.parametrize("trailer", [b"\x00", bytes(ENCRYPTED_CHUNK_BYTES)], ids=["byte", "chunk"])
@pytest.mark.parametrize("size", [13, CHUNK_BYTES], ids=["short-final-chunk", "full-final-chunk"])
def test_data_after_the_final_chunk_raises_decryption_error(size: int, trailer: bytes) -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, bytes(size))

    with pytest.raises(DecryptionError):
        decrypt_all(key, [*blocks, trailer])


def test_data_after_a_full_final_chunk_is_reported_as_such() -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, bytes(CHUNK_BYTES))

    with pytest.raises(DecryptionError, match="follows the final chunk"):
        decrypt_all(key, [*blocks, b"\x00"])


def test_wrong_key_raises_decryption_error() -> None:
    blocks = encrypt_blocks(new_data_key(), b"data")

    with pytest.raises(DecryptionError):
        decrypt_all(new_data_key(), blocks)


def test_key_of_wrong_length_raises_decryption_error_on_decrypt() -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, b"data")

    with pytest.raises(DecryptionError):
        decrypt_all(key[:16], blocks)


def test_wrong_context_raises_decryption_error() -> None:
    key = new_data_key()
    blocks = encrypt_blocks(key, b"data")

    with pytest.raises(DecryptionError):
        decrypt_all(key, blocks, context=b"evidence:other:original")


def test_invalid_arguments_are_refused_before_iteration_starts() -> None:
    with pytest.raises(ValueError, match="key"):
        encrypt_stream(b"short", [b"data"], context=CONTEXT)
    with pytest.raises(ValueError, match="context"):
        encrypt_stream(new_data_key(), [b"data"], context=b"")
    with pytest.raises(ValueError, match="context"):
        decrypt_stream(new_data_key(), [b"data"], context=b"")


def test_hashing_source_reports_sha256_and_size_of_the_plaintext() -> None:
    key = new_data_key()
    data = secrets.token_bytes(CHUNK_BYTES * 2 + 3)
    hashed = HashingSource(pieces(data, 5000))

    blocks = list(encrypt_stream(key, hashed, context=CONTEXT))

    assert hashed.digest() == hashlib.sha256(data).digest()
    assert hashed.hexdigest() == hashlib.sha256(data).hexdigest()
    assert hashed.size == len(data)
    assert decrypt_all(key, blocks) == data


def test_hashing_source_checks_decrypted_output() -> None:
    key = new_data_key()
    data = secrets.token_bytes(CHUNK_BYTES + 1)
    decrypted = HashingSource(decrypt_stream(key, encrypt_blocks(key, data), context=CONTEXT))

    for _ in decrypted:
        pass

    assert decrypted.hexdigest() == hashlib.sha256(data).hexdigest()


def test_hashing_source_refuses_to_report_before_the_end() -> None:
    hashed = HashingSource([b"a", b"b"])
    iterator = iter(hashed)
    next(iterator)

    with pytest.raises(RuntimeError, match="end"):
        hashed.digest()
    with pytest.raises(RuntimeError, match="end"):
        hashed.hexdigest()
    with pytest.raises(RuntimeError, match="end"):
        _ = hashed.size


def test_hashing_source_can_be_iterated_only_once() -> None:
    hashed = HashingSource([b"a"])
    list(hashed)

    with pytest.raises(RuntimeError, match="once"):
        iter(hashed)
