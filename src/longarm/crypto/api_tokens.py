"""API tokens that both authenticate a staff member and unlock their private key.

A token is 32 random bytes, shown once as unpadded URL-safe base64. The server stores two things derived
from it, never the token: a lookup hash keyed with a server key (to find the token's row), and the staff
member's private key encrypted under a key derived from the token alone. A stolen database therefore opens
no private key, and the keyed lookup hash cannot be tested against guesses without the keyring. The token
has 256 bits of entropy, so a fast keyed BLAKE2b is enough; a password-style KDF would add nothing.
"""

import base64
import binascii
import secrets

from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from longarm.crypto._checks import require_length
from longarm.crypto.envelopes import KEY_BYTES, X25519_KEY_BYTES, decrypt, encrypt
from longarm.crypto.errors import DecryptionError

TOKEN_BYTES = 32
LOOKUP_HASH_BYTES = 32
_LOOKUP_PERSON = b"longarm-tok-look"
_WRAP_PERSON = b"longarm-tok-wrap"
_CONTEXT = b"longarm api token private key"
_SESSION_CONTEXT = b"longarm api token bound session"


def new_api_token() -> str:
    """Return a fresh token as text to show the staff member once."""
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode("ascii")


def token_bytes(token: str) -> bytes:
    """Decode a token typed or sent by a client.

    Raises:
        DecryptionError: if it is not a well-formed token; callers treat it as a wrong token.
    """
    try:
        raw = base64.urlsafe_b64decode(token.strip().encode("ascii") + b"=" * (-len(token.strip()) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise DecryptionError("not a token") from None
    if len(raw) != TOKEN_BYTES:
        raise DecryptionError("not a token")
    return raw


def token_lookup_hash(lookup_key: bytes, token: bytes) -> bytes:
    """Keyed BLAKE2b of the token: what the database stores to find it.

    Raises:
        ValueError: if ``lookup_key`` is not 32 bytes or ``token`` not 32 bytes.
    """
    require_length(lookup_key, KEY_BYTES, "lookup key")
    require_length(token, TOKEN_BYTES, "token")
    return blake2b(
        token, digest_size=LOOKUP_HASH_BYTES, key=lookup_key, person=_LOOKUP_PERSON, encoder=RawEncoder
    )


def _wrapping_key(token: bytes) -> bytes:
    require_length(token, TOKEN_BYTES, "token")
    return blake2b(token, digest_size=KEY_BYTES, person=_WRAP_PERSON, encoder=RawEncoder)


def wrap_private_key(token: bytes, private_key: bytes) -> bytes:
    """Encrypt a staff member's X25519 private key under a key derived from ``token``.

    Raises:
        ValueError: if ``token`` or ``private_key`` is not 32 bytes.
    """
    require_length(private_key, X25519_KEY_BYTES, "private key")
    return encrypt(_wrapping_key(token), private_key, context=_CONTEXT)


def unwrap_private_key(token: bytes, wrapped: bytes) -> bytes:
    """Decrypt what :func:`wrap_private_key` made.

    Raises:
        DecryptionError: for another token or an altered ciphertext.
    """
    private_key = decrypt(_wrapping_key(token), wrapped, context=_CONTEXT)
    if len(private_key) != X25519_KEY_BYTES:
        raise DecryptionError("cannot unwrap: the stored key has the wrong length")
    return private_key


def wrap_session_key(token: bytes, session_key: str) -> bytes:
    """Encrypt the key of the console session a token is bound to, under a key derived from ``token``: only
    a request bearing the token can tell which session that is, never a reader of the database alone.

    Raises:
        ValueError: if ``token`` is not 32 bytes.
    """
    return encrypt(_wrapping_key(token), session_key.encode("ascii"), context=_SESSION_CONTEXT)


def unwrap_session_key(token: bytes, wrapped: bytes) -> str:
    """Decrypt what :func:`wrap_session_key` made.

    Raises:
        DecryptionError: for another token or an altered ciphertext.
    """
    try:
        return decrypt(_wrapping_key(token), wrapped, context=_SESSION_CONTEXT).decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("cannot unwrap: not a session key") from None
