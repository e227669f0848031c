import pytest

from longarm.crypto.kdf import (
    INTERACTIVE,
    MINIMUM,
    MODERATE,
    SALT_BYTES,
    Argon2Cost,
    derive_key,
    new_salt,
)

LIGHT = Argon2Cost(opslimit=MINIMUM.opslimit + 1, memlimit=MINIMUM.memlimit)


def test_presets_grow_in_cost_from_minimum_to_moderate() -> None:
    assert MINIMUM.memlimit < INTERACTIVE.memlimit < MODERATE.memlimit
    assert MINIMUM.opslimit <= INTERACTIVE.opslimit < MODERATE.opslimit


@pytest.mark.parametrize(("opslimit", "memlimit"), [(0, MINIMUM.memlimit), (MINIMUM.opslimit, 1024)])
def test_cost_below_libsodium_minimum_is_refused(opslimit: int, memlimit: int) -> None:
    with pytest.raises(ValueError, match="range"):
        Argon2Cost(opslimit=opslimit, memlimit=memlimit)


def test_new_salt_returns_16_fresh_random_bytes() -> None:
    assert len(new_salt()) == SALT_BYTES == 16
    assert new_salt() != new_salt()


def test_derive_key_is_deterministic_and_32_bytes() -> None:
    salt = new_salt()

    key = derive_key(b"correct horse", salt, MINIMUM)

    assert len(key) == 32
    assert key == derive_key(b"correct horse", salt, MINIMUM)


def test_derive_key_depends_on_secret_salt_and_cost() -> None:
    salt = new_salt()
    key = derive_key(b"correct horse", salt, MINIMUM)

    assert derive_key(b"correct horsf", salt, MINIMUM) != key
    assert derive_key(b"correct horse", new_salt(), MINIMUM) != key
    assert derive_key(b"correct horse", salt, LIGHT) != key


def test_derive_key_is_argon2id_as_computed_by_an_independent_implementation() -> None:
    low_level = pytest.importorskip("argon2.low_level")
    salt = bytes(range(16))

    expected = low_level.hash_secret_raw(
        b"correct horse",
        salt,
        time_cost=LIGHT.opslimit,
        memory_cost=LIGHT.memlimit // 1024,
        parallelism=1,
        hash_len=32,
        type=low_level.Type.ID,
    )

    assert derive_key(b"correct horse", salt, LIGHT) == expected


@pytest.mark.parametrize("salt", [b"", b"s" * 15, b"s" * 17])
def test_derive_key_refuses_salts_that_are_not_16_bytes(salt: bytes) -> None:
    with pytest.raises(ValueError, match="salt"):
        derive_key(b"secret", salt, MINIMUM)
