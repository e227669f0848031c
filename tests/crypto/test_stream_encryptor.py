import secrets

import pytest

from longarm.crypto.streams import CHUNK_BYTES, StreamEncryptor, decrypt_stream, encrypt_stream

KEY = bytes(range(32))
CONTEXT = b"longarm test stream"


@pytest.mark.parametrize(
    "sizes",
    [
        [],
        [0],
        [1],
        [CHUNK_BYTES],
        [CHUNK_BYTES, CHUNK_BYTES],
        [7, CHUNK_BYTES * 3 + 5, 1],
        [CHUNK_BYTES + 1] * 3,
    ],
)
def test_pushed_pieces_decrypt_to_the_same_plaintext(sizes: list[int]) -> None:
    pieces = [secrets.token_bytes(size) for size in sizes]
    encryptor = StreamEncryptor(KEY, context=CONTEXT)
    ciphertext = encryptor.header + b"".join(encryptor.write(piece) for piece in pieces) + encryptor.finish()
    assert b"".join(decrypt_stream(KEY, [ciphertext], context=CONTEXT)) == b"".join(pieces)
    pulled = b"".join(encrypt_stream(KEY, [b"".join(pieces)], context=CONTEXT))
    assert len(pulled) == len(ciphertext)


def test_the_encryptor_holds_at_most_one_chunk() -> None:
    encryptor = StreamEncryptor(KEY, context=CONTEXT)
    out = encryptor.write(bytes(CHUNK_BYTES * 4 + 3))
    assert len(out) == 4 * (CHUNK_BYTES + 17)


def test_nothing_may_be_written_after_finishing() -> None:
    encryptor = StreamEncryptor(KEY, context=CONTEXT)
    encryptor.finish()
    with pytest.raises(RuntimeError):
        encryptor.write(b"late")
    with pytest.raises(RuntimeError):
        encryptor.finish()


def test_write_chunks_returns_one_encrypted_chunk_per_completed_64_kib() -> None:
    plaintext = secrets.token_bytes(CHUNK_BYTES * 3 + 100)
    encryptor = StreamEncryptor(KEY, context=CONTEXT)
    first = encryptor.write_chunks(plaintext[:CHUNK_BYTES])
    rest = encryptor.write_chunks(plaintext[CHUNK_BYTES:])
    assert first == []  # a full chunk waits: it might be the last
    assert [len(chunk) for chunk in rest] == [CHUNK_BYTES + 17] * 3
    ciphertext = encryptor.header + b"".join(rest) + encryptor.finish()
    assert b"".join(decrypt_stream(KEY, [ciphertext], context=CONTEXT)) == plaintext


def test_a_buffer_reused_by_the_caller_does_not_change_what_is_encrypted() -> None:
    buffer = bytearray(secrets.token_bytes(CHUNK_BYTES + 10))
    original = bytes(buffer)
    encryptor = StreamEncryptor(KEY, context=CONTEXT)
    out = encryptor.write(buffer)
    buffer[:] = bytes(len(buffer))  # the tail the encryptor holds back must not change with it
    ciphertext = encryptor.header + out + encryptor.finish()
    assert b"".join(decrypt_stream(KEY, [ciphertext], context=CONTEXT)) == original
