"""What the dossier shows of incidents and persons, decrypted with the keys the investigator holds."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from longarm.cases.contexts import incident_context, person_details_context, person_identity_context
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Incident, Person

# The details a person may carry (cases.coding.forms), in the order a reader expects them.
DETAIL_LABELS = {
    "name": _("Name"),
    "relationship": _("Relationship"),
    "agency": _("Agency"),
    "rank": _("Rank"),
    "badge_number": _("Badge or police ID number"),
    "notes": _("Notes"),
}


def incident_description(incident: Incident, data_key: bytes) -> str:
    value = decrypt_json(
        data_key,
        bytes(incident.description_ciphertext),
        context=incident_context(incident.case.public_id, incident.public_id),
    )
    return str(value.get("description", ""))


def person_details(person: Person, data_key: bytes) -> list[tuple[str, str]]:
    """(label, value) pairs of the details under the case data key, known ones first, empty ones left out."""
    details: dict[str, Any] = decrypt_json(
        data_key,
        bytes(person.details_ciphertext),
        context=person_details_context(person.case.public_id, person.public_id),
    )
    known = [(str(label), str(details[key])) for key, label in DETAIL_LABELS.items() if details.get(key)]
    other = [(key, str(value)) for key, value in details.items() if key not in DETAIL_LABELS and value]
    return known + other


def person_name(person: Person, identity_key: bytes) -> str:
    """The name under the case identity key; empty when none was recorded."""
    if not person.identity_ciphertext:
        return ""
    identity: dict[str, Any] = decrypt_json(
        identity_key,
        bytes(person.identity_ciphertext),
        context=person_identity_context(person.case.public_id, person.public_id),
    )
    return str(identity.get("name", ""))
