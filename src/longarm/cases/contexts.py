"""Associated data of every ciphertext a case holds. Each names the case and the record, so a ciphertext
copied to another record or case fails to decrypt; moving content between cases (merge) re-encrypts it."""

from uuid import UUID

from longarm.cases.keys import case_context


def summary_context(case_id: UUID) -> bytes:
    return case_context(case_id, "summary")


def note_context(case_id: UUID, note_id: UUID) -> bytes:
    return case_context(case_id, f"note {note_id}")


def incident_context(case_id: UUID, incident_id: UUID) -> bytes:
    return case_context(case_id, f"incident {incident_id} description")


def person_details_context(case_id: UUID, person_id: UUID) -> bytes:
    return case_context(case_id, f"person {person_id} details")


def person_identity_context(case_id: UUID, person_id: UUID) -> bytes:
    return case_context(case_id, f"person {person_id} identity")


def identifier_context(case_id: UUID, identifier_id: UUID) -> bytes:
    return case_context(case_id, f"identifier {identifier_id}")
