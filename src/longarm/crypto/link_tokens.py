"""One-time links (a new staff member's enrolment): 32 random bytes in the URL, shown once; the database keeps
only a keyed BLAKE2b of them, so a stolen database cannot be used to enrol, and the lookup hash cannot be
tested against guesses without the keyring. 256 bits of entropy: a fast keyed hash is enough."""

from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from longarm.crypto._checks import require_length
from longarm.crypto.api_tokens import new_api_token, token_bytes
from longarm.crypto.envelopes import KEY_BYTES

LINK_HASH_BYTES = 32
_PERSON = b"longarm-link-lk"


def new_link_token() -> str:
    """A fresh token as URL-safe text, to show once."""
    return new_api_token()


def link_token_hash(lookup_key: bytes, token: str) -> bytes:
    """Keyed BLAKE2b of the token, separated from API tokens' hashes by its personalisation.

    Raises:
        DecryptionError: if ``token`` is not a well-formed token (callers treat it as an unknown link).
        ValueError: if ``lookup_key`` is not 32 bytes.
    """
    require_length(lookup_key, KEY_BYTES, "lookup key")
    return blake2b(
        token_bytes(token), digest_size=LINK_HASH_BYTES, key=lookup_key, person=_PERSON, encoder=RawEncoder
    )
