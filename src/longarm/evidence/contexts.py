"""Associated data for evidence ciphertexts: no file, name or metadata can be moved to another item."""

from uuid import UUID


def blob_context(item_id: UUID, variant: str) -> bytes:
    return f"longarm evidence {item_id} {variant}".encode()


def name_context(report_id: UUID, item_id: UUID) -> bytes:
    return f"longarm report {report_id} evidence {item_id} name".encode()


def metadata_context(item_id: UUID) -> bytes:
    return f"longarm evidence {item_id} metadata".encode()
