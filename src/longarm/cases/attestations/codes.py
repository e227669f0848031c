"""References and verification codes of protection attestations, and the exact bytes that are signed."""

import secrets
from datetime import date

from longarm.core.keyring import current_keyring
from longarm.crypto.blind_index import blind_index

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_reference(today: date) -> str:
    return f"LA-A-{today:%Y}-{secrets.randbelow(10**8):08d}"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def group_code(code: str) -> str:
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def normalise_code(typed: str) -> str:
    return "".join(char for char in typed.upper().translate(_CONFUSABLE) if char in CODE_ALPHABET)


def normalise_reference(typed: str) -> str:
    return typed.strip().upper()


def code_hash(reference: str, code: str) -> bytes:
    """A keyed hash of the code: the database alone allows no guessing, and the code is never stored."""
    return blind_index(current_keyring().index_key, "attestation-code", f"{reference}:{normalise_code(code)}")


def signed_message(
    *, reference: str, report_filed_on: date, issued_on: date, organisation: str = "", signatory: str = ""
) -> bytes:
    """What the Ed25519 signature covers: the statement of the letter and nothing about any person it helps.
    Since v2 also the organisation and the signatory the letter names (v1 letters, without them, still verify
    as they were signed)."""
    statement = (
        f"reference: {reference}\n"
        f"report filed on: {report_filed_on.isoformat()}\n"
        f"issued on: {issued_on.isoformat()}\n"
    )
    if not organisation:
        return f"Longarm protection attestation v1\n{statement}".encode()
    named = f"organisation: {organisation}\nsignatory: {signatory}\n"
    return f"Longarm protection attestation v2\n{statement}{named}".encode()
