import pytest

from longarm.crypto.envelopes import (
    KEY_BYTES,
    KeyPair,
    decrypt,
    encrypt,
    keypair_from_private_key,
    keypair_from_seed,
    new_data_key,
    new_keypair,
    seal,
    seal_data,
    unseal,
    unseal_data,
    unsealer,
)
from longarm.crypto.errors import CryptoError, DecryptionError

CONTEXT = b"report:6f1c2d3e-0000-4000-8000-000000000001:answers"
PLAINTEXT = b"They called my mother in Urumqi."
OVERHEAD = 1 + 24 + 16


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def test_new_data_key_returns_32_fresh_random_bytes() -> None:
    first, second = new_data_key(), new_data_key()

    assert len(first) == KEY_BYTES == 32
    assert first != second


@pytest.mark.parametrize("plaintext", [b"", b"x", PLAINTEXT, bytes(range(256)) * 400])
def test_decrypt_returns_what_encrypt_was_given(plaintext: bytes) -> None:
    key = new_data_key()

    assert decrypt(key, encrypt(key, plaintext, context=CONTEXT), context=CONTEXT) == plaintext


def test_ciphertext_is_version_byte_nonce_and_body_with_tag() -> None:
    ciphertext = encrypt(new_data_key(), PLAINTEXT, context=CONTEXT)

    assert ciphertext[0] == 0x01
    assert len(ciphertext) == len(PLAINTEXT) + OVERHEAD
    assert PLAINTEXT not in ciphertext


def test_encrypting_the_same_plaintext_twice_uses_fresh_nonces() -> None:
    key = new_data_key()

    first = encrypt(key, PLAINTEXT, context=CONTEXT)
    second = encrypt(key, PLAINTEXT, context=CONTEXT)

    assert first[1:25] != second[1:25]
    assert first != second


@pytest.mark.parametrize(
    "position",
    [0, 1, 12, 24, 25, 25 + len(PLAINTEXT) - 1, -16, -8, -1],
    ids=[
        "version",
        "nonce-first",
        "nonce-middle",
        "nonce-last",
        "body-first",
        "body-last",
        "tag-first",
        "tag-middle",
        "tag-last",
    ],
)
def test_flipping_a_bit_in_any_part_raises_decryption_error(position: int) -> None:
    key = new_data_key()
    ciphertext = encrypt(key, PLAINTEXT, context=CONTEXT)

    with pytest.raises(DecryptionError):
        decrypt(key, flip(ciphertext, position), context=CONTEXT)


def test_flipping_a_bit_at_every_position_raises_decryption_error() -> None:
    key = new_data_key()
    ciphertext = encrypt(key, PLAINTEXT, context=CONTEXT)

    for position in range(len(ciphertext)):
        with pytest.raises(DecryptionError):
            decrypt(key, flip(ciphertext, position), context=CONTEXT)


def test_every_truncation_raises_decryption_error() -> None:
    key = new_data_key()
    ciphertext = encrypt(key, PLAINTEXT, context=CONTEXT)

    for length in range(len(ciphertext)):
        with pytest.raises(DecryptionError):
            decrypt(key, ciphertext[:length], context=CONTEXT)


def test_appended_bytes_raise_decryption_error() -> None:
    key = new_data_key()

    with pytest.raises(DecryptionError):
        decrypt(key, encrypt(key, PLAINTEXT, context=CONTEXT) + b"\x00", context=CONTEXT)


def test_unknown_version_is_reported_as_such() -> None:
    key = new_data_key()
    ciphertext = encrypt(key, PLAINTEXT, context=CONTEXT)

    with pytest.raises(DecryptionError, match="version"):
        decrypt(key, b"\x02" + ciphertext[1:], context=CONTEXT)


def test_wrong_key_raises_decryption_error() -> None:
    ciphertext = encrypt(new_data_key(), PLAINTEXT, context=CONTEXT)

    with pytest.raises(DecryptionError, match="wrong key"):
        decrypt(new_data_key(), ciphertext, context=CONTEXT)


def test_key_of_wrong_length_raises_decryption_error_on_decrypt() -> None:
    key = new_data_key()
    ciphertext = encrypt(key, PLAINTEXT, context=CONTEXT)

    with pytest.raises(DecryptionError):
        decrypt(key[:16], ciphertext, context=CONTEXT)


def test_ciphertext_moved_to_another_record_does_not_decrypt() -> None:
    key = new_data_key()
    ciphertext = encrypt(key, PLAINTEXT, context=b"report:1:answers")

    with pytest.raises(DecryptionError):
        decrypt(key, ciphertext, context=b"report:2:answers")


@pytest.mark.parametrize("key", [b"", b"k" * 31, b"k" * 33])
def test_encrypt_rejects_keys_that_are_not_32_bytes(key: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt(key, PLAINTEXT, context=CONTEXT)


def test_empty_context_is_refused_both_ways() -> None:
    key = new_data_key()

    with pytest.raises(ValueError, match="context"):
        encrypt(key, PLAINTEXT, context=b"")
    with pytest.raises(ValueError, match="context"):
        decrypt(key, encrypt(key, PLAINTEXT, context=CONTEXT), context=b"")


def test_decryption_error_can_be_caught_as_crypto_error() -> None:
    with pytest.raises(CryptoError):
        decrypt(new_data_key(), b"garbage" * 10, context=CONTEXT)


def test_new_keypair_returns_matching_fresh_x25519_halves() -> None:
    pair, other = new_keypair(), new_keypair()

    assert len(pair.public) == len(pair.private) == 32
    assert keypair_from_private_key(pair.private) == pair
    assert pair.private != other.private


def test_keypair_repr_does_not_show_the_private_key() -> None:
    pair = new_keypair()

    shown = repr(pair)

    assert repr(pair.private) not in shown
    assert pair.private.hex() not in shown
    assert repr(pair.public) in shown


def test_keypair_refuses_halves_that_do_not_belong_together() -> None:
    with pytest.raises(ValueError, match="does not belong"):
        KeyPair(public=new_keypair().public, private=new_keypair().private)


def test_keypair_refuses_wrong_lengths() -> None:
    pair = new_keypair()

    with pytest.raises(ValueError, match="32 bytes"):
        KeyPair(public=pair.public[:31], private=pair.private)


def test_keypair_from_seed_is_deterministic_and_seed_dependent() -> None:
    assert keypair_from_seed(b"s" * 32) == keypair_from_seed(b"s" * 32)
    assert keypair_from_seed(b"s" * 32).public != keypair_from_seed(b"t" * 32).public


def test_keypair_from_seed_rejects_short_seed() -> None:
    with pytest.raises(ValueError, match="seed"):
        keypair_from_seed(b"s" * 16)


def test_keypair_from_private_key_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="private key"):
        keypair_from_private_key(b"p" * 31)


def test_unseal_returns_the_secret_sealed_to_the_matching_public_key() -> None:
    pair, secret = new_keypair(), new_data_key()

    sealed = seal(pair.public, secret)

    assert unseal(pair.private, sealed) == secret
    assert secret not in sealed
    assert len(sealed) == len(secret) + 48


def test_sealing_twice_gives_different_boxes() -> None:
    pair, secret = new_keypair(), new_data_key()

    assert seal(pair.public, secret) != seal(pair.public, secret)


def test_unseal_with_another_private_key_raises_decryption_error() -> None:
    sealed = seal(new_keypair().public, new_data_key())

    with pytest.raises(DecryptionError):
        unseal(new_keypair().private, sealed)


def test_unsealing_a_tampered_box_raises_decryption_error_at_every_position() -> None:
    pair = new_keypair()
    sealed = seal(pair.public, new_data_key())

    for position in range(len(sealed)):
        with pytest.raises(DecryptionError):
            unseal(pair.private, flip(sealed, position))


@pytest.mark.parametrize("length", [0, 1, 47, 48])
def test_unsealing_a_truncated_box_raises_decryption_error(length: int) -> None:
    pair = new_keypair()
    sealed = seal(pair.public, new_data_key())

    with pytest.raises(DecryptionError):
        unseal(pair.private, sealed[:length])


def test_seal_and_unseal_reject_keys_of_wrong_length() -> None:
    with pytest.raises(ValueError, match="public key"):
        seal(b"p" * 31, b"secret")
    with pytest.raises(ValueError, match="private key"):
        unseal(b"p" * 31, b"x" * 80)


def test_sealed_data_of_any_length_opens_only_with_the_private_key_and_context() -> None:
    pair, other = new_keypair(), new_keypair()
    for plaintext in (b"", b"x", bytes(range(256)) * 4096):
        sealed = seal_data(pair.public, plaintext, context=b"search:1")
        assert len(sealed) == len(plaintext) + 80 + 41
        assert unseal_data(pair.private, sealed, context=b"search:1") == plaintext
        with pytest.raises(DecryptionError):
            unseal_data(other.private, sealed, context=b"search:1")
        with pytest.raises(DecryptionError):
            unseal_data(pair.private, sealed, context=b"search:2")


def test_sealed_data_altered_anywhere_does_not_open() -> None:
    pair = new_keypair()
    sealed = seal_data(pair.public, b"a sealed index segment", context=b"search:1")
    for position in range(len(sealed)):
        altered = bytearray(sealed)
        altered[position] ^= 1
        with pytest.raises(DecryptionError):
            unseal_data(pair.private, bytes(altered), context=b"search:1")
    with pytest.raises(DecryptionError):
        unseal_data(pair.private, sealed[:100], context=b"search:1")


def test_an_unsealer_opens_what_unseal_opens_and_refuses_what_it_refuses() -> None:
    pair, other = new_keypair(), new_keypair()
    open_one = unsealer(pair.private)
    assert open_one(seal(pair.public, b"k" * 32)) == b"k" * 32
    with pytest.raises(DecryptionError):
        open_one(seal(other.public, b"k" * 32))
    with pytest.raises(DecryptionError):
        open_one(b"short")
