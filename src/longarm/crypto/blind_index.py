"""Blind indexes: keyed hashes that let equal identifiers be matched without decrypting them."""

from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from longarm.crypto._checks import require_length

BLIND_INDEX_BYTES = 16
INDEX_KEY_BYTES = 32
_PERSON = b"longarm-blindidx"


def blind_index(index_key: bytes, kind: str, normalised_value: str) -> bytes:
    """Compute the blind index of an identifier: keyed BLAKE2b(index key, kind ‖ 0x00 ‖ value).

    ``kind`` (e.g. ``"phone"``) keeps equal values of different types apart. The caller normalises
    the value first, since only byte-identical values match.

    Returns:
        16 bytes, the same for the same key, kind and value.

    Raises:
        ValueError: if ``index_key`` is not 32 bytes, or ``kind`` is empty, not ASCII or contains NUL
            (NUL separates kind from value, so it must not occur in the kind).
    """
    require_length(index_key, INDEX_KEY_BYTES, "index key")
    if not kind or not kind.isascii() or "\x00" in kind:
        raise ValueError("kind must be non-empty ASCII without NUL")
    message = kind.encode("ascii") + b"\x00" + normalised_value.encode("utf-8")
    return blake2b(message, digest_size=BLIND_INDEX_BYTES, key=index_key, person=_PERSON, encoder=RawEncoder)
