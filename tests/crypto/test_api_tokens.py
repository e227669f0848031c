import hashlib

import pytest

from longarm.crypto.api_tokens import (
    new_api_token,
    token_bytes,
    token_lookup_hash,
    unwrap_private_key,
    wrap_private_key,
)
from longarm.crypto.envelopes import new_keypair
from longarm.crypto.errors import DecryptionError

LOOKUP_KEY = bytes(range(32))


def test_a_token_is_32_random_bytes_in_url_safe_base64() -> None:
    token = new_api_token()
    assert len(token_bytes(token)) == 32
    assert not {"=", "+", "/"} & set(token)
    assert new_api_token() != token


@pytest.mark.parametrize("text", ["", "not a token", "AAAA", "é" * 43])
def test_malformed_tokens_are_refused(text: str) -> None:
    with pytest.raises(DecryptionError):
        token_bytes(text)


def test_the_lookup_hash_is_keyed_blake2b() -> None:
    token = token_bytes(new_api_token())
    expected = hashlib.blake2b(token, digest_size=32, key=LOOKUP_KEY, person=b"longarm-tok-look").digest()
    assert token_lookup_hash(LOOKUP_KEY, token) == expected
    assert token_lookup_hash(bytes(32), token) != expected


def test_the_token_unwraps_the_private_key_and_no_other_token_does() -> None:
    token, other = token_bytes(new_api_token()), token_bytes(new_api_token())
    private = new_keypair().private
    wrapped = wrap_private_key(token, private)
    assert private not in wrapped
    assert unwrap_private_key(token, wrapped) == private
    with pytest.raises(DecryptionError):
        unwrap_private_key(other, wrapped)


def test_the_wrapping_key_is_not_the_lookup_hash() -> None:
    token = token_bytes(new_api_token())
    private = new_keypair().private
    wrapped = wrap_private_key(token, private)
    from longarm.crypto.envelopes import decrypt

    with pytest.raises(DecryptionError):
        decrypt(token_lookup_hash(LOOKUP_KEY, token), wrapped, context=b"longarm api token private key")
