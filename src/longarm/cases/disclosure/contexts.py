from uuid import UUID


def reason_context(request_id: UUID) -> bytes:
    return f"longarm disclosure {request_id} reason".encode()
