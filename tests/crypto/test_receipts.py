# Digits and separators of other scripts, confusable with ASCII, are what these tests are about.
import hashlib
import secrets

import pytest

from longarm.crypto.envelopes import KeyPair
from longarm.crypto.kdf import MINIMUM, Argon2Cost, derive_key, new_salt
from longarm.crypto.receipts import (
    ARGON2_DERIVATIONS_PER_SUBMISSION,
    RECEIPT_DIGITS,
    group_receipt,
    new_receipt,
    normalise_receipt,
    receipt_lookup_hash,
    receipts_equal,
    reporter_keypair,
)

RECEIPT = "12345678901234567890"
PEPPER = b"p" * 32
OTHER_PEPPER = b"q" * 32


def test_new_receipt_is_20_ascii_digits_and_fresh() -> None:
    issued = {new_receipt() for _ in range(100)}

    assert len(issued) == 100
    for receipt in issued:
        assert len(receipt) == RECEIPT_DIGITS == 20
        assert receipt.isascii()
        assert receipt.isdigit()


def test_new_receipt_draws_from_the_whole_20_digit_range_and_keeps_leading_zeros(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bounds: list[int] = []

    def small_number(bound: int) -> int:
        bounds.append(bound)
        return 42

    monkeypatch.setattr(secrets, "randbelow", small_number)

    assert new_receipt() == "00000000000000000042"
    assert bounds == [10**20]


@pytest.mark.parametrize(
    "typed",
    [
        "12345678901234567890",
        "1234 5678 9012 3456 7890",
        "1234-5678-9012-3456-7890",
        "1234.5678.9012.3456.7890",
        "  1234\t5678\n9012 3456 7890  ",
        "1234\u00a05678\u20039012\u30003456\u202f7890",  # no-break, em, ideographic, narrow spaces
        "1234\u20135678\u20149012\u22123456\u20107890",  # en dash, em dash, minus sign, hyphen
        "１２３４５６７８９０１２３４５６７８９０",  # full-width
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠",  # Arabic-Indic
        "۱۲۳۴ ۵۶۷۸ ۹۰۱۲ ۳۴۵۶ ۷۸۹۰",  # extended Arabic-Indic, as Uyghur and Persian keyboards type
        "\u200f١٢٣٤\u200f ٥٦٧٨ ٩٠١٢ ٣٤٥٦ ٧٨٩٠\u200e",  # with right-to-left and left-to-right marks
        "༡༢༣༤་༥༦༧༨་༩༠༡༢་༣༤༥༦་༧༨༩༠",  # Tibetan digits, tsheg between groups
        "᠑᠒᠓᠔ ᠕᠖᠗᠘ ᠙᠐᠑᠒ ᠓᠔᠕᠖ ᠗᠘᠙᠐",  # Mongolian
        "1234 ٥٦٧٨ ༩༠༡༢ ᠓᠔᠕᠖ ７８９０",  # mixed scripts
        "1234\u00ad5678\u200b9012\ufeff34567890",  # soft hyphen, zero-width space, BOM
        " " * 150 + "12345678901234567890",  # generous padding is still read
    ],
)
def test_normalise_receipt_reads_digits_in_any_script_with_any_separators(typed: str) -> None:
    assert normalise_receipt(typed) == RECEIPT


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "1234567890123456789",  # 19 digits
        "123456789012345678901",  # 21 digits
        "1234 5678 9012 3456 789O",  # letter O for zero
        "1234 5678 9012 3456 789a",
        "1234567890123456789ℓ",
        "12345678901234567890!",
        "12345678901234567890🙂",
        "+12345678901234567890",
        "1234567890123456789" + " " * 200 + "0",  # too long to be a typed receipt
    ],
)
def test_normalise_receipt_refuses_anything_but_exactly_20_digits(typed: str) -> None:
    assert normalise_receipt(typed) is None


def test_group_receipt_gives_five_groups_of_four_for_reading_aloud() -> None:
    assert group_receipt(RECEIPT) == ["1234", "5678", "9012", "3456", "7890"]
    assert group_receipt("٠٠٠٠ ٠٠٠٠ ٠٠٠٠ ٠٠٠٠ ٠٠٠١") == ["0000", "0000", "0000", "0000", "0001"]


def test_group_receipt_refuses_a_non_receipt() -> None:
    with pytest.raises(ValueError, match="20 digits"):
        group_receipt("1234")


def test_receipts_equal_compares_normalised_forms() -> None:
    assert receipts_equal(RECEIPT, "١٢٣٤-٥٦٧٨-٩٠١٢-٣٤٥٦-٧٨٩٠")
    assert not receipts_equal(RECEIPT, "12345678901234567891")


def test_receipts_equal_is_false_when_either_side_is_not_a_receipt() -> None:
    assert not receipts_equal("1234", "1234")
    assert not receipts_equal(RECEIPT, "")


def test_lookup_hash_is_deterministic_across_spellings_of_the_same_receipt() -> None:
    first = receipt_lookup_hash(RECEIPT, pepper=PEPPER, cost=MINIMUM)

    assert len(first) == 32
    assert receipt_lookup_hash(RECEIPT, pepper=PEPPER, cost=MINIMUM) == first
    assert receipt_lookup_hash("١٢٣٤ ٥٦٧٨ ٩٠١٢ ٣٤٥٦ ٧٨٩٠", pepper=PEPPER, cost=MINIMUM) == first


def test_lookup_hash_depends_on_receipt_pepper_and_cost() -> None:
    first = receipt_lookup_hash(RECEIPT, pepper=PEPPER, cost=MINIMUM)
    heavier = Argon2Cost(opslimit=MINIMUM.opslimit + 1, memlimit=MINIMUM.memlimit)

    assert receipt_lookup_hash("12345678901234567891", pepper=PEPPER, cost=MINIMUM) != first
    assert receipt_lookup_hash(RECEIPT, pepper=OTHER_PEPPER, cost=MINIMUM) != first
    assert receipt_lookup_hash(RECEIPT, pepper=PEPPER, cost=heavier) != first


def test_lookup_hash_is_peppered_argon2id_then_peppered_blake2b() -> None:
    pepper = bytes(range(32))
    salt = hashlib.blake2b(
        b"longarm receipt lookup salt", digest_size=16, key=pepper, person=b"longarm-rcp-salt"
    ).digest()
    stretched = derive_key(RECEIPT.encode(), salt, MINIMUM)
    expected = hashlib.blake2b(stretched, digest_size=32, key=pepper, person=b"longarm-rcp-look").digest()

    assert receipt_lookup_hash(RECEIPT, pepper=pepper, cost=MINIMUM) == expected


# Stored lookup hashes and reporter key pairs must stay reproducible across releases, or reporters
# lose their reports: these fixed vectors catch any change to the derivations.
def test_lookup_hash_matches_its_fixed_vector() -> None:
    assert receipt_lookup_hash(RECEIPT, pepper=bytes(range(32)), cost=MINIMUM) == bytes.fromhex(
        "f253794e60131564110ca23bcdedc5223eacf2dea648bb4f03d07401c60fe7e7"
    )


def test_reporter_keypair_matches_its_fixed_vector() -> None:
    pair = reporter_keypair(RECEIPT, salt=bytes(range(16)), pepper=bytes(range(32)), cost=MINIMUM)
    assert pair.public == bytes.fromhex("dc219d5f839f6edf1382b92847cb5b910bfff2997f1b1501d06a22726bc91e43")


def test_lookup_hash_refuses_invalid_receipt_and_short_pepper() -> None:
    with pytest.raises(ValueError, match="20 digits"):
        receipt_lookup_hash("1234", pepper=PEPPER, cost=MINIMUM)
    with pytest.raises(ValueError, match="pepper"):
        receipt_lookup_hash(RECEIPT, pepper=b"short", cost=MINIMUM)


def test_reporter_keypair_depends_on_the_pepper() -> None:
    salt = new_salt()
    with_pepper = reporter_keypair(RECEIPT, salt=salt, pepper=PEPPER, cost=MINIMUM)
    assert reporter_keypair(RECEIPT, salt=salt, pepper=bytes(32), cost=MINIMUM).public != with_pepper.public


def test_reporter_keypair_is_deterministic_per_receipt_and_salt() -> None:
    salt = new_salt()

    pair = reporter_keypair(RECEIPT, salt=salt, pepper=PEPPER, cost=MINIMUM)

    assert isinstance(pair, KeyPair)
    assert reporter_keypair("1234-5678-9012-3456-7890", salt=salt, pepper=PEPPER, cost=MINIMUM) == pair
    assert reporter_keypair(RECEIPT, salt=new_salt(), pepper=PEPPER, cost=MINIMUM).public != pair.public
    other = reporter_keypair("12345678901234567891", salt=salt, pepper=PEPPER, cost=MINIMUM)
    assert other.public != pair.public


def test_reporter_keypair_refuses_invalid_receipt_and_salt() -> None:
    with pytest.raises(ValueError, match="20 digits"):
        reporter_keypair("not a receipt", salt=new_salt(), pepper=PEPPER, cost=MINIMUM)
    with pytest.raises(ValueError, match="salt"):
        reporter_keypair(RECEIPT, salt=b"short", pepper=PEPPER, cost=MINIMUM)


def test_a_submission_runs_argon2_as_often_as_documented(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []

    def counting_derive_key(secret: bytes, salt: bytes, cost: Argon2Cost) -> bytes:
        calls.append(salt)
        return derive_key(secret, salt, cost)

    monkeypatch.setattr("longarm.crypto.receipts.derive_key", counting_derive_key)
    receipt = new_receipt()

    receipt_lookup_hash(receipt, pepper=PEPPER, cost=MINIMUM)
    reporter_keypair(receipt, salt=new_salt(), pepper=PEPPER, cost=MINIMUM)

    assert len(calls) == ARGON2_DERIVATIONS_PER_SUBMISSION == 2
    assert calls[0] != calls[1]
