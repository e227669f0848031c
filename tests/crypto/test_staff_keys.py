import dataclasses

import pytest

from longarm.crypto.envelopes import new_keypair, seal, unseal
from longarm.crypto.errors import DecryptionError
from longarm.crypto.kdf import MINIMUM, Argon2Cost
from longarm.crypto.staff_keys import LockedPrivateKey, lock_private_key, unlock_private_key

PASSWORD = "correct horse battery staple"


def test_unlock_returns_the_private_key_locked_under_the_same_password() -> None:
    pair = new_keypair()

    locked = lock_private_key(pair.private, PASSWORD, cost=MINIMUM)

    assert unlock_private_key(locked, PASSWORD, cost=MINIMUM) == pair.private
    assert pair.private not in locked.ciphertext
    assert len(locked.salt) == 16


def test_unlocked_key_opens_what_was_sealed_to_the_staff_member() -> None:
    pair = new_keypair()
    sealed = seal(pair.public, b"data key")
    locked = lock_private_key(pair.private, PASSWORD, cost=MINIMUM)

    assert unseal(unlock_private_key(locked, PASSWORD, cost=MINIMUM), sealed) == b"data key"


def test_non_ascii_passwords_work() -> None:
    pair = new_keypair()
    password = "ئۇيغۇر تىلى ༄༅། Монгол 密码"

    locked = lock_private_key(pair.private, password, cost=MINIMUM)

    assert unlock_private_key(locked, password, cost=MINIMUM) == pair.private


def test_each_lock_uses_a_fresh_salt() -> None:
    private = new_keypair().private

    first = lock_private_key(private, PASSWORD, cost=MINIMUM)
    second = lock_private_key(private, PASSWORD, cost=MINIMUM)

    assert first.salt != second.salt
    assert first.ciphertext != second.ciphertext


@pytest.mark.parametrize("password", ["correct horse battery stapl", "Correct horse battery staple", ""])
def test_wrong_password_raises_decryption_error(password: str) -> None:
    locked = lock_private_key(new_keypair().private, PASSWORD, cost=MINIMUM)

    with pytest.raises(DecryptionError):
        unlock_private_key(locked, password, cost=MINIMUM)


def test_wrong_cost_raises_decryption_error() -> None:
    locked = lock_private_key(new_keypair().private, PASSWORD, cost=MINIMUM)
    heavier = Argon2Cost(opslimit=MINIMUM.opslimit + 1, memlimit=MINIMUM.memlimit)

    with pytest.raises(DecryptionError):
        unlock_private_key(locked, PASSWORD, cost=heavier)


def test_altered_salt_or_ciphertext_raises_decryption_error() -> None:
    locked = lock_private_key(new_keypair().private, PASSWORD, cost=MINIMUM)
    other = lock_private_key(new_keypair().private, PASSWORD, cost=MINIMUM)

    for tampered in [
        dataclasses.replace(locked, salt=other.salt),
        dataclasses.replace(locked, salt=locked.salt[:8]),
        dataclasses.replace(locked, ciphertext=locked.ciphertext[:-1]),
        dataclasses.replace(locked, ciphertext=other.ciphertext),
        LockedPrivateKey(salt=locked.salt, ciphertext=b""),
    ]:
        with pytest.raises(DecryptionError):
            unlock_private_key(tampered, PASSWORD, cost=MINIMUM)


def test_lock_refuses_a_private_key_of_wrong_length() -> None:
    with pytest.raises(ValueError, match="private key"):
        lock_private_key(b"k" * 31, PASSWORD, cost=MINIMUM)
