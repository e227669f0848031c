import pytest

from longarm.crypto.errors import CryptoError, SignatureError
from longarm.crypto.signing import new_signing_seed, sign, signing_public_key, verify_signature

MESSAGE = b'{"evidence": "sha256:9f86d08...", "received": "2025-03"}'

# RFC 8032, section 7.1, test 1.
RFC_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_signing_matches_the_rfc_8032_test_vector() -> None:
    assert signing_public_key(RFC_SEED) == RFC_PUBLIC
    assert sign(RFC_SEED, b"") == RFC_SIGNATURE
    verify_signature(RFC_PUBLIC, b"", RFC_SIGNATURE)


def test_new_signing_seed_returns_32_fresh_random_bytes() -> None:
    assert len(new_signing_seed()) == 32
    assert new_signing_seed() != new_signing_seed()


def test_a_signature_verifies_with_the_matching_public_key() -> None:
    seed = new_signing_seed()

    signature = sign(seed, MESSAGE)

    assert len(signature) == 64
    verify_signature(signing_public_key(seed), MESSAGE, signature)


def test_an_altered_message_raises_signature_error() -> None:
    seed = new_signing_seed()
    signature = sign(seed, MESSAGE)

    with pytest.raises(SignatureError):
        verify_signature(signing_public_key(seed), MESSAGE + b" ", signature)


def test_a_signature_altered_at_any_position_raises_signature_error() -> None:
    seed = new_signing_seed()
    signature = sign(seed, MESSAGE)

    for position in range(len(signature)):
        altered = bytearray(signature)
        altered[position] ^= 0x01
        with pytest.raises(SignatureError):
            verify_signature(signing_public_key(seed), MESSAGE, bytes(altered))


def test_another_signers_key_raises_signature_error() -> None:
    signature = sign(new_signing_seed(), MESSAGE)

    with pytest.raises(SignatureError):
        verify_signature(signing_public_key(new_signing_seed()), MESSAGE, signature)


@pytest.mark.parametrize("length", [0, 63, 65])
def test_a_signature_of_wrong_length_raises_signature_error(length: int) -> None:
    seed = new_signing_seed()
    signature = (sign(seed, MESSAGE) + b"\x00")[:length]

    with pytest.raises(SignatureError):
        verify_signature(signing_public_key(seed), MESSAGE, signature)


def test_signature_error_can_be_caught_as_crypto_error() -> None:
    with pytest.raises(CryptoError):
        verify_signature(signing_public_key(new_signing_seed()), MESSAGE, bytes(64))


def test_seeds_and_public_keys_of_wrong_length_are_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        sign(b"s" * 31, MESSAGE)
    with pytest.raises(ValueError, match="seed"):
        signing_public_key(b"s" * 33)
    with pytest.raises(ValueError, match="public key"):
        verify_signature(b"p" * 31, MESSAGE, bytes(64))
