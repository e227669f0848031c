"""The hash rule of the audit chain, kept apart so that appending and verifying can never disagree."""

import hashlib
import json
from datetime import datetime

GENESIS_HASH = "0" * 64


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
    canonical = json.dumps(
        [previous_hash, created_at.isoformat(), actor_kind, actor_id, action, object_type, object_id],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
