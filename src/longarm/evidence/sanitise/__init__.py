"""Sanitisers: each reads a plaintext original from a workspace, writes a derivative without metadata into
another, returns the capture metadata worth keeping as evidence and, where it makes sense, a preview.

They raise ``Unsanitisable`` with a reason for anything they cannot handle safely, never the parser's own
message (it may quote the file)."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sanitised:
    content_type: str
    metadata: dict[str, Any] = field(default_factory=dict)
    preview: bytes | None = None
    preview_type: str = "image/jpeg"
    # Identifiers found in a text (phone numbers, messenger IDs: ``chats.offers_in``), each a dict with
    # ``kind`` and ``value``; kept only in the copy's encrypted record, offered to its readers to add.
    offers: list[dict[str, str]] = field(default_factory=list)
