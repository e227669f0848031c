"""What evidence storage holds, read the same way whether it is a directory or a bucket."""

from longarm.evidence.storage import open_blob, stored_blobs


def stored_names() -> list[str]:
    """Every blob's name, whole or partly written, once each, in order."""
    return sorted({name for name, _ in stored_blobs()})


def stored_bytes(name: str) -> bytes:
    """A whole blob's ciphertext."""
    return b"".join(open_blob(name))
