"""What evidence storage holds, read the same way whether it is a directory or a bucket."""

import pytest
from django.conf import settings

from longarm.evidence.storage import open_blob, stored_blobs


def stored_names() -> list[str]:
    """Every blob's name, whole or partly written, once each, in order."""
    return sorted({name for name, _ in stored_blobs()})


def stored_bytes(name: str) -> bytes:
    """A whole blob's ciphertext."""
    return b"".join(open_blob(name))


# For tests of the local store itself (partial files, modification times, the page cache): skipped when the
# environment puts evidence in a bucket; tests/evidence/test_object_store.py covers the bucket's side.
local_disk_only = pytest.mark.skipif(
    settings.EVIDENCE_BUCKET is not None, reason="tests files on the local disk; evidence is in a bucket"
)
