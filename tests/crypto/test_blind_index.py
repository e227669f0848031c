import hashlib

import pytest

from longarm.crypto.blind_index import BLIND_INDEX_BYTES, blind_index

INDEX_KEY = bytes(range(32))


def test_blind_index_is_16_bytes_and_deterministic() -> None:
    index = blind_index(INDEX_KEY, "phone", "+4915112345678")

    assert len(index) == BLIND_INDEX_BYTES == 16
    assert blind_index(INDEX_KEY, "phone", "+4915112345678") == index


def test_blind_index_is_keyed_blake2b_of_kind_nul_value() -> None:
    expected = hashlib.blake2b(
        b"wechat\x00\xe5\xbc\xa0\xe4\xb8\x89", digest_size=16, key=INDEX_KEY, person=b"longarm-blindidx"
    ).digest()

    assert blind_index(INDEX_KEY, "wechat", "张三") == expected


def test_different_index_keys_give_unrelated_indexes() -> None:
    assert blind_index(INDEX_KEY, "phone", "+4915112345678") != blind_index(
        bytes(32), "phone", "+4915112345678"
    )


def test_the_same_value_under_different_kinds_does_not_match() -> None:
    assert blind_index(INDEX_KEY, "phone", "12345") != blind_index(INDEX_KEY, "badge", "12345")


def test_the_boundary_between_kind_and_value_is_unambiguous() -> None:
    assert blind_index(INDEX_KEY, "ab", "c") != blind_index(INDEX_KEY, "a", "bc")


def test_different_values_give_different_indexes() -> None:
    assert blind_index(INDEX_KEY, "phone", "12345") != blind_index(INDEX_KEY, "phone", "12346")


@pytest.mark.parametrize("kind", ["", "téléphone", "ph\x00one"])
def test_kind_must_be_non_empty_ascii_without_nul(kind: str) -> None:
    with pytest.raises(ValueError, match="kind"):
        blind_index(INDEX_KEY, kind, "value")


def test_index_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="index key"):
        blind_index(INDEX_KEY[:16], "phone", "value")
