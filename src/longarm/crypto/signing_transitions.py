"""Signing-key rotations: each a statement naming the retiring and the new Ed25519 key, signed by both.

The old key's signature says "my successor is this key"; the new key's says "I hold it" (a retiring key cannot
name a key someone else holds without that someone). A chain of them links every key the installation has
signed with, so a verifier who knows any one of them — the key published years ago, or today's — can accept
an evidence package, backup or audit checkpoint signed by another, and say which key signed it and when that
key was retired. A statement also pins the audit chain at the moment of rotation (last event, its hash, the
count): checkpoints up to there are the old key's, later ones the new key's.

The chain is kept beside the keys as ``signing-transitions.json``: public, and published with the key.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from longarm.crypto._checks import require_length
from longarm.crypto.errors import SignatureError
from longarm.crypto.signing import PUBLIC_KEY_BYTES, sign, signing_public_key, verify_signature

TRANSITION_FORMAT = "longarm-signing-transition/1"
TRANSITIONS_FILE = "signing-transitions.json"


@dataclass(frozen=True)
class SigningTransition:
    old_public_key: bytes
    new_public_key: bytes
    # When the old key was retired: ISO 8601, UTC, to the second.
    at: str
    audit_last_event_id: int
    audit_last_hash: str
    audit_event_count: int
    old_signature: bytes = b""
    new_signature: bytes = b""

    def message(self) -> bytes:
        """What both signatures cover."""
        return (
            f"{TRANSITION_FORMAT}\n{_b64(self.old_public_key)}\n{_b64(self.new_public_key)}\n{self.at}\n"
            f"{self.audit_last_event_id}\n{self.audit_last_hash}\n{self.audit_event_count}"
        ).encode("ascii")

    @property
    def retired_at(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def verify(self) -> None:
        """Return if both keys signed this statement.

        Raises:
            SignatureError: naming which signature does not hold.
        """
        for label, key, signature in (
            ("retiring", self.old_public_key, self.old_signature),
            ("new", self.new_public_key, self.new_signature),
        ):
            try:
                verify_signature(key, self.message(), signature)
            except SignatureError:
                raise SignatureError(
                    f"the signing-key transition of {self.at} does not carry a valid signature by the "
                    f"{label} key"
                ) from None

    def as_dict(self) -> dict[str, object]:
        return {
            "format": TRANSITION_FORMAT,
            "old_public_key": _b64(self.old_public_key),
            "new_public_key": _b64(self.new_public_key),
            "at": self.at,
            "audit_last_event_id": self.audit_last_event_id,
            "audit_last_hash": self.audit_last_hash,
            "audit_event_count": self.audit_event_count,
            "old_signature": _b64(self.old_signature),
            "new_signature": _b64(self.new_signature),
        }


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def sign_transition(
    *,
    old_seed: bytes,
    new_seed: bytes,
    at: datetime,
    audit_last_event_id: int,
    audit_last_hash: str,
    audit_event_count: int,
) -> SigningTransition:
    """The statement that ``new_seed``'s key succeeds ``old_seed``'s at ``at``, signed by both.

    Raises:
        ValueError: if a seed is not 32 bytes, or both are the same key.
    """
    if old_seed == new_seed:
        raise ValueError("the new signing key must differ from the old one")
    unsigned = SigningTransition(
        old_public_key=signing_public_key(old_seed),
        new_public_key=signing_public_key(new_seed),
        at=at.replace(microsecond=0).isoformat(),
        audit_last_event_id=audit_last_event_id,
        audit_last_hash=audit_last_hash,
        audit_event_count=audit_event_count,
    )
    message = unsigned.message()
    return SigningTransition(
        **{
            **unsigned.__dict__,
            "old_signature": sign(old_seed, message),
            "new_signature": sign(new_seed, message),
        }
    )


def encode_transitions(transitions: Sequence[SigningTransition]) -> bytes:
    return json.dumps([transition.as_dict() for transition in transitions], indent=2).encode("ascii") + b"\n"


def decode_transitions(content: bytes) -> list[SigningTransition]:
    """Parse and check a chain of transitions: every statement signed by both its keys, each one's new key
    the next one's old key, in time order.

    Raises:
        SignatureError: if a signature does not hold or the chain is broken. ValueError: if it is malformed.
    """
    try:
        documents = json.loads(content)
        transitions = [
            SigningTransition(
                old_public_key=base64.b64decode(item["old_public_key"], validate=True),
                new_public_key=base64.b64decode(item["new_public_key"], validate=True),
                at=datetime.fromisoformat(str(item["at"])).isoformat(),
                audit_last_event_id=int(item["audit_last_event_id"]),
                audit_last_hash=str(item["audit_last_hash"]),
                audit_event_count=int(item["audit_event_count"]),
                old_signature=base64.b64decode(item["old_signature"], validate=True),
                new_signature=base64.b64decode(item["new_signature"], validate=True),
            )
            for item in documents
            if item["format"] == TRANSITION_FORMAT
        ]
        if len(transitions) != len(documents):
            raise ValueError("format")
        for transition in transitions:
            require_length(transition.old_public_key, PUBLIC_KEY_BYTES, "public key")
            require_length(transition.new_public_key, PUBLIC_KEY_BYTES, "public key")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("not a Longarm list of signing-key transitions") from None
    for transition in transitions:
        transition.verify()
    for before, after in pairwise(transitions):
        if before.new_public_key != after.old_public_key or before.retired_at > after.retired_at:
            raise SignatureError(
                "the signing-key transitions do not form one chain: one is missing or reordered"
            )
    return transitions


@dataclass(frozen=True)
class KeyPeriod:
    """A key of the chain and when it was retired (None: it is the newest)."""

    public_key: bytes
    retired_at: datetime | None


def key_periods(given_key: bytes, transitions: Sequence[SigningTransition]) -> list[KeyPeriod]:
    """Every key linked to ``given_key`` by the (checked) chain, oldest first, with its retirement.

    A verifier trusts ``given_key``; each transition is signed by both its keys, so the whole chain through
    ``given_key`` is trusted too. A chain that does not contain ``given_key`` adds nothing.
    """
    keys = [transition.old_public_key for transition in transitions]
    if transitions:
        keys.append(transitions[-1].new_public_key)
    if given_key not in keys:
        return [KeyPeriod(public_key=given_key, retired_at=None)]
    return [
        KeyPeriod(
            public_key=key, retired_at=transitions[index].retired_at if index < len(transitions) else None
        )
        for index, key in enumerate(keys)
    ]


def signer_among(periods: Sequence[KeyPeriod], message: bytes, signature: bytes) -> KeyPeriod:
    """The key of ``periods`` that signed ``message``.

    Raises:
        SignatureError: if none did.
    """
    for period in periods:
        try:
            verify_signature(period.public_key, message, signature)
        except SignatureError:
            continue
        return period
    raise SignatureError("invalid signature: the message or signature was altered, or the key differs")
