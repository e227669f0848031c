"""The hash rule of the audit chain and the message its checkpoints sign, kept apart so that appending,
checkpointing and verifying can never disagree."""

import hashlib
import json
from datetime import datetime

GENESIS_HASH = "0" * 64
# json.dumps with these options, built once: verification hashes a million events and must not build an
# encoder per event. The output is byte-identical to ``json.dumps(..., separators=(",", ":"))``.
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode
_SHA256 = hashlib.sha256


def link_hash(
    previous_hash: str,
    created_at: datetime,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
) -> str:
    """The hash of one event, positional for the verification loop."""
    canonical = _ENCODE(
        [previous_hash, created_at.isoformat(), actor_kind, actor_id, action, object_type, object_id]
    )
    return _SHA256(canonical.encode("ascii")).hexdigest()


def event_hash(
    *,
    previous_hash: str,
    created_at: datetime,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
) -> str:
    return link_hash(previous_hash, created_at, actor_kind, actor_id, action, object_type, object_id)


def checkpoint_message(
    *, last_event_id: int, last_hash: str, event_count: int, created_at: datetime
) -> bytes:
    """What a checkpoint's Ed25519 signature covers."""
    return (
        f"longarm audit checkpoint v1\n{last_event_id}\n{last_hash}\n{event_count}\n{created_at.isoformat()}"
    ).encode("ascii")
