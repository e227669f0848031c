"""The reporter's receipt: a 20-digit number that is their only key to their report.

Digits can be read aloud in any language and typed in any script, including over a hotline.
The server never stores a receipt. It stores a peppered Argon2id lookup hash to find the report
and derives the reporter's X25519 key pair from the receipt and a per-report salt.

Each submission runs Argon2id :data:`ARGON2_DERIVATIONS_PER_SUBMISSION` times: once for
:func:`receipt_lookup_hash` and once for :func:`reporter_keypair`.
"""

import hmac
import secrets
import unicodedata

from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from longarm.crypto._checks import require_length
from longarm.crypto.envelopes import KeyPair, keypair_from_seed
from longarm.crypto.kdf import SALT_BYTES, Argon2Cost, derive_key

RECEIPT_DIGITS = 20
GROUP_DIGITS = 4
PEPPER_BYTES = 32
LOOKUP_HASH_BYTES = 32
ARGON2_DERIVATIONS_PER_SUBMISSION = 2

# Longer input is not a mistyped receipt; refusing it early bounds the work an attacker can cause.
MAX_INPUT_CHARS = 200

# Separators people put between digit groups, in the scripts our reporters write. Whitespace,
# dashes (Unicode category Pd) and invisible format characters (Cf: bidi marks that Arabic-script
# keyboards insert, zero-width spaces) are dropped as well.
_SEPARATORS = frozenset(
    ".,'/_·•"
    "\u060c"  # Arabic comma
    "\u066b\u066c"  # Arabic decimal and thousands separators
    "\u06d4"  # Arabic full stop
    "\u0f0b\u0f0c\u0f0d"  # Tibetan tsheg, non-breaking tsheg, shad
    "\u1802\u1803\u1808\u1809"  # Mongolian comma, full stop, Manchu comma and full stop
    "\u2027"  # hyphenation point
    "\u2212"  # minus sign
    "\u3001\u3002\u30fb"  # ideographic comma and full stop, katakana middle dot
)

_LOOKUP_SALT_PERSON = b"longarm-rcp-salt"
_LOOKUP_HASH_PERSON = b"longarm-rcp-look"
_REPORTER_SEED_PERSON = b"longarm-rcp-seed"
_LOOKUP_SALT_MESSAGE = b"longarm receipt lookup salt"


def new_receipt() -> str:
    """Return a fresh receipt: 20 ASCII digits (about 66 bits), leading zeros kept."""
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def _is_separator(char: str) -> bool:
    return char.isspace() or char in _SEPARATORS or unicodedata.category(char) in ("Pd", "Cf")


def normalise_receipt(text: str) -> str | None:
    """Read a receipt as a person typed or pasted it.

    Applies NFKC (so full-width digits become ASCII), maps decimal digits of any script (Arabic-Indic,
    extended Arabic-Indic, Tibetan, Mongolian, Devanagari, …) to ASCII, and drops whitespace, dashes,
    dots, commas and other separators.

    Returns:
        the 20 ASCII digits, or ``None`` if any other character is present or the number of digits
        is not exactly 20.
    """
    if len(text) > MAX_INPUT_CHARS:
        return None
    digits: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        value = unicodedata.decimal(char, None)
        if value is not None:
            digits.append(str(value))
        elif not _is_separator(char):
            return None
    if len(digits) != RECEIPT_DIGITS:
        return None
    return "".join(digits)


def _require_receipt(receipt: str) -> str:
    normalised = normalise_receipt(receipt)
    if normalised is None:
        raise ValueError("not a receipt: expected exactly 20 digits")
    return normalised


def group_receipt(receipt: str) -> list[str]:
    """Split a receipt into groups for display and reading aloud.

    Returns:
        five strings of four ASCII digits each.

    Raises:
        ValueError: if ``receipt`` does not normalise to 20 digits.
    """
    digits = _require_receipt(receipt)
    return [digits[start : start + GROUP_DIGITS] for start in range(0, RECEIPT_DIGITS, GROUP_DIGITS)]


def receipts_equal(a: str, b: str) -> bool:
    """Compare two receipts in constant time after normalising both.

    Returns:
        ``True`` only if both normalise to the same 20 digits; ``False`` if either is not a receipt.
    """
    normalised_a = normalise_receipt(a)
    normalised_b = normalise_receipt(b)
    if normalised_a is None or normalised_b is None:
        return False
    return hmac.compare_digest(normalised_a.encode("ascii"), normalised_b.encode("ascii"))


def receipt_lookup_hash(receipt: str, *, pepper: bytes, cost: Argon2Cost) -> bytes:
    """Compute the value stored on a report to find it again by its receipt.

    The same receipt always gives the same hash (it is a lookup key), so the Argon2id salt is derived
    from the pepper rather than random. The final keyed BLAKE2b means that without the pepper, which
    lives in the keyring and not the database, a stolen database allows no offline guessing.

    Returns:
        32 bytes.

    Raises:
        ValueError: if ``receipt`` does not normalise to 20 digits or ``pepper`` is not 32 bytes.
    """
    digits = _require_receipt(receipt)
    require_length(pepper, PEPPER_BYTES, "pepper")
    salt = blake2b(
        _LOOKUP_SALT_MESSAGE,
        digest_size=SALT_BYTES,
        key=pepper,
        person=_LOOKUP_SALT_PERSON,
        encoder=RawEncoder,
    )
    stretched = derive_key(digits.encode("ascii"), salt, cost)
    return blake2b(
        stretched,
        digest_size=LOOKUP_HASH_BYTES,
        key=pepper,
        person=_LOOKUP_HASH_PERSON,
        encoder=RawEncoder,
    )


def reporter_keypair(receipt: str, *, salt: bytes, pepper: bytes, cost: Argon2Cost) -> KeyPair:
    """Derive the reporter's X25519 key pair from their receipt, the report's random salt and the pepper.

    The pepper is mixed in so that a stolen database alone cannot test receipt guesses against the copy
    of the report key sealed to the reporter (docs/threat-model.md); the thief also needs the keyring.

    Returns:
        the same key pair for the same receipt, salt, pepper and cost.

    Raises:
        ValueError: if ``receipt`` does not normalise to 20 digits, ``salt`` is not 16 bytes or ``pepper``
        is not 32 bytes.
    """
    digits = _require_receipt(receipt)
    require_length(pepper, PEPPER_BYTES, "pepper")
    stretched = derive_key(digits.encode("ascii"), salt, cost)
    seed = blake2b(stretched, digest_size=32, key=pepper, person=_REPORTER_SEED_PERSON, encoder=RawEncoder)
    return keypair_from_seed(seed)
