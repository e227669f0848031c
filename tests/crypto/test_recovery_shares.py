from itertools import combinations

import pytest

from longarm.crypto.envelopes import new_keypair
from longarm.crypto.errors import ShareError
from longarm.crypto.kdf import MINIMUM
from longarm.crypto.recovery_shares import (
    LockedShare,
    combine_recovery_key,
    parse_share_parameters,
    split_recovery_key,
    unlock_share,
)

PASSPHRASES = [f"passphrase number {n}" for n in range(5)]


def test_any_three_of_five_shares_rebuild_the_key_and_no_two_do() -> None:
    pair = new_keypair()
    shares = split_recovery_key(pair.private, threshold=3, count=5, passphrases=PASSPHRASES, cost=MINIMUM)
    unlocked = [(share, unlock_share(share, PASSPHRASES[i], name="s")) for i, share in enumerate(shares)]
    for chosen in combinations(unlocked, 3):
        assert combine_recovery_key(list(chosen)) == pair.private
    for chosen in combinations(unlocked, 2):
        with pytest.raises(ShareError, match="3 different shares of 5 are needed"):
            combine_recovery_key(list(chosen))


def test_a_share_file_round_trips_and_its_public_fields_are_bound_to_its_ciphertext() -> None:
    pair = new_keypair()
    share = split_recovery_key(pair.private, threshold=2, count=2, passphrases=PASSPHRASES[:2], cost=MINIMUM)[
        0
    ]
    assert LockedShare.decode(share.encode(), name="s").ciphertext == share.ciphertext
    relabelled = LockedShare.decode(share.encode().replace(b'"share": 1', b'"share": 2'), name="s")
    with pytest.raises(ShareError, match="wrong passphrase, or the share file was altered"):
        unlock_share(relabelled, PASSPHRASES[0], name="s")


def test_shares_of_two_splits_do_not_combine() -> None:
    first, second = new_keypair(), new_keypair()
    a = split_recovery_key(first.private, threshold=2, count=2, passphrases=PASSPHRASES[:2], cost=MINIMUM)
    b = split_recovery_key(second.private, threshold=2, count=2, passphrases=PASSPHRASES[:2], cost=MINIMUM)
    with pytest.raises(ShareError, match="different recovery keys"):
        combine_recovery_key(
            [
                (a[0], unlock_share(a[0], PASSPHRASES[0], name="a")),
                (b[1], unlock_share(b[1], PASSPHRASES[1], name="b")),
            ]
        )
    # Two splits of the same key: SLIP-39's identifiers differ, so the mix is named, not miscombined.
    c = split_recovery_key(first.private, threshold=2, count=2, passphrases=PASSPHRASES[:2], cost=MINIMUM)
    with pytest.raises(ShareError, match="do not combine"):
        combine_recovery_key(
            [
                (a[0], unlock_share(a[0], PASSPHRASES[0], name="a")),
                (c[1], unlock_share(c[1], PASSPHRASES[1], name="c")),
            ]
        )


@pytest.mark.parametrize("text", ["1-of-3", "4-of-3", "3-of-17", "three of five", "3"])
def test_impossible_splits_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="of"):
        parse_share_parameters(text)


def test_a_split_reads_as_m_of_n() -> None:
    assert parse_share_parameters("3-of-5") == (3, 5)
    assert parse_share_parameters("2/3") == (2, 3)
