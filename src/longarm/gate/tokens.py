"""What a client brings to pay for one anonymous attempt, issued and checked without touching the database.

Two kinds, both single use (``longarm.gate.services`` spends their nonce) and both bound to one purpose:

- an **ALTCHA proof of work** (JavaScript on). The challenge is made by the ``altcha`` library in its
  deterministic mode: the server picks a secret counter below ``work`` and publishes half of the PBKDF2 key
  it derives from it, signed; the client finds the counter by trying them in turn (``work / 2`` derivations
  on average, one for the server). Verification is two HMACs (the library's fast path), never a derivation.
- a **time-lock token** (JavaScript off): a ``django.core.signing`` token with a random nonce and a
  not-before time ``delay`` seconds after the page was served. It costs the client a wait, not work.

Both carry the gate level they were issued at, so that an attempt that must pay more (a staff account after
failed log-ins) can refuse a cheaper one.
"""

import math
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import altcha
from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from longarm.gate.exceptions import GateRefused, Refusal

POW_FIELD = "gate_pow"
TIMELOCK_FIELD = "gate_timelock"
# PBKDF2-SHA-256 iterations per counter tried: one derivation costs about half a millisecond, in a browser's
# WebCrypto as in Python; the difficulty is set by how many counters must be tried (LONGARM_GATE_WORK).
POW_ALGORITHM = "PBKDF2/SHA-256"
POW_ITERATIONS = 1000
# Levels double the cost; past this the configured maximum has long been reached.
MAX_LEVEL = 16
_MAX_PAYLOAD = 4096
_TIMELOCK_SALT = "longarm.gate.timelock"


class Purpose(StrEnum):
    RECEIPT = "receipt"
    REPORT = "report"
    LOGIN = "login"
    ATTESTATION = "attestation"


@dataclass(frozen=True)
class Ticket:
    """A checked solution or token: the nonce to spend and the level it was issued at."""

    nonce: str
    level: int


def _secret(name: str) -> str:
    # Derived from the signing key so that nothing is hard-coded and rotating SECRET_KEY rotates it too.
    return salted_hmac(f"longarm.gate.{name}", "altcha", algorithm="sha256").hexdigest()


def clamp_level(level: int) -> int:
    return max(0, min(MAX_LEVEL, level))


def work_for(level: int) -> int:
    """How many counters the secret one is drawn from at ``level`` (a solver tries half on average)."""
    return max(1, min(settings.LONGARM_GATE_WORK_MAX, settings.LONGARM_GATE_WORK << clamp_level(level)))


def delay_for(level: int) -> int:
    """Seconds a time-lock token issued at ``level`` waits before it is valid."""
    base = settings.LONGARM_GATE_DELAY_SECONDS
    return min(max(base, settings.LONGARM_GATE_DELAY_MAX_SECONDS), base << clamp_level(level))


def pow_challenge(*, purpose: Purpose, level: int) -> dict[str, Any]:
    """A signed ALTCHA challenge (the JSON the widget fetches) for one attempt at ``purpose``."""
    level = clamp_level(level)
    challenge = altcha.create_challenge(
        POW_ALGORITHM,
        POW_ITERATIONS,
        counter=secrets.randbelow(work_for(level)),
        expires_at=int(time.time()) + settings.LONGARM_GATE_TTL_SECONDS,
        data={"purpose": purpose.value, "level": level},
        hmac_secret=_secret("challenge"),
        hmac_key_secret=_secret("key"),
    )
    result: dict[str, Any] = challenge.to_dict()
    return result


def pow_check(payload: str, *, purpose: Purpose) -> Ticket:
    """Check an ALTCHA payload as the widget posts it. Raises ``GateRefused``."""
    if len(payload) > _MAX_PAYLOAD:
        raise GateRefused(Refusal.INVALID)
    result = altcha.verify_solution(payload, _secret("challenge"), hmac_key_secret=_secret("key"))
    if result.expired:
        raise GateRefused(Refusal.EXPIRED)
    if not result.verified:
        raise GateRefused(Refusal.INVALID)
    parameters = altcha.Payload.from_base64(payload).challenge.parameters
    data = parameters.data if isinstance(parameters.data, dict) else {}
    if parameters.key_signature is None or parameters.expires_at is None:
        # Only challenges made here (deterministic, with an expiry) count; the signature proves that too.
        raise GateRefused(Refusal.INVALID)
    if data.get("purpose") != purpose.value:
        raise GateRefused(Refusal.WRONG_PURPOSE)
    level = data.get("level")
    if not isinstance(level, int):
        raise GateRefused(Refusal.INVALID)
    return Ticket(nonce=f"pow:{parameters.nonce}", level=level)


@dataclass(frozen=True)
class TimeLock:
    token: str
    not_before: float


def timelock_issue(*, purpose: Purpose, level: int, now: float | None = None) -> TimeLock:
    """A time-lock token for one attempt at ``purpose``, valid ``delay_for(level)`` seconds after ``now``
    and until ``LONGARM_GATE_TTL_SECONDS`` after it was signed (the signer's own timestamp)."""
    level = clamp_level(level)
    now = time.time() if now is None else now
    # Whole seconds rounded down, so the wait a page announces is never exceeded by the one it then counts.
    not_before = math.floor(now) + delay_for(level)
    payload = {"p": purpose.value, "n": secrets.token_urlsafe(16), "l": level, "nb": not_before}
    token = signing.TimestampSigner(salt=_TIMELOCK_SALT).sign_object(
        payload, serializer=signing.JSONSerializer
    )
    return TimeLock(token=token, not_before=not_before)


def timelock_read(token: str, *, purpose: Purpose) -> tuple[Ticket, float]:
    """The ticket in a time-lock token and its not-before time, whether or not that time has come.

    Raises ``GateRefused`` for a forged, expired or other-purpose token.
    """
    if len(token) > _MAX_PAYLOAD:
        raise GateRefused(Refusal.INVALID)
    signer = signing.TimestampSigner(salt=_TIMELOCK_SALT)
    try:
        payload = signer.unsign_object(
            token, serializer=signing.JSONSerializer, max_age=settings.LONGARM_GATE_TTL_SECONDS
        )
    except signing.SignatureExpired as error:
        raise GateRefused(Refusal.EXPIRED) from error
    except signing.BadSignature as error:
        raise GateRefused(Refusal.INVALID) from error
    if not isinstance(payload, dict):
        raise GateRefused(Refusal.INVALID)
    if payload.get("p") != purpose.value:
        raise GateRefused(Refusal.WRONG_PURPOSE)
    nonce, level, not_before = payload.get("n"), payload.get("l"), payload.get("nb")
    if not isinstance(nonce, str) or not isinstance(level, int) or not isinstance(not_before, int):
        raise GateRefused(Refusal.INVALID)
    return Ticket(nonce=f"timelock:{nonce}", level=level), float(not_before)


def timelock_check(token: str, *, purpose: Purpose, now: float | None = None) -> Ticket:
    """Check a time-lock token whose wait must be over. Raises ``GateRefused`` (``EARLY`` with the seconds
    left)."""
    ticket, not_before = timelock_read(token, purpose=purpose)
    now = time.time() if now is None else now
    if now < not_before:
        raise GateRefused(Refusal.EARLY, remaining_seconds=math.ceil(not_before - now))
    return ticket
