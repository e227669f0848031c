"""Associated data for every ciphertext of a report, so that no ciphertext can be moved to another record."""

from uuid import UUID


def answers_context(report_id: UUID) -> bytes:
    return f"longarm report {report_id} answers".encode()


def identity_context(report_id: UUID) -> bytes:
    return f"longarm report {report_id} identity".encode()


def message_context(report_id: UUID, message_id: UUID) -> bytes:
    return f"longarm report {report_id} message {message_id}".encode()


def urgency_reason_context(report_id: UUID) -> bytes:
    return f"longarm report {report_id} urgency reason".encode()


def calls_context(report_id: UUID) -> bytes:
    return f"longarm report {report_id} calls".encode()
