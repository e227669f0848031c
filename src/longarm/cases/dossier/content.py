"""What the dossier shows of incidents and persons, decrypted with the keys the investigator holds."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from longarm.accounts.models import StaffUser
from longarm.cases.contexts import (
    identifier_context,
    incident_context,
    person_details_context,
    person_identity_context,
)
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Case, Incident, Person
from longarm.intake.models import REFERRAL_CONSENTS, KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.selectors import report_content, staff_data_key
from longarm.linking.selectors import identifier_links

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


@dataclass(frozen=True)
class DossierIdentifier:
    kind: str
    value: str
    # "strong", "weak" or "" (seen nowhere else), and the references of linked cases the reader holds.
    strength: str
    linked_references: list[str]
    hidden_count: int


def case_identifiers(case: Case, *, user: StaffUser, data_key: bytes) -> list[DossierIdentifier]:
    """The case's identifiers with how strongly each links to other cases: the references of those the
    reader holds, and only a count of the others (the dossier must not say more than the console)."""
    links = identifier_links(case=case, user=user)
    found = []
    for identifier in case.identifiers.order_by("kind", "id"):
        value = decrypt_json(
            data_key, identifier.ciphertext, context=identifier_context(case.public_id, identifier.public_id)
        )["value"]
        linked = links.get(identifier.pk)
        found.append(
            DossierIdentifier(
                kind=str(identifier.get_kind_display()),
                value=str(value),
                strength=linked.strength if linked else "",
                linked_references=[item.case.reference for item in linked.held] if linked else [],
                hidden_count=linked.hidden_count if linked else 0,
            )
        )
    return found


@dataclass(frozen=True)
class ReporterWords:
    reference: str
    received_on: date
    text: str


def reports_kept_out(case: Case) -> list[Report]:
    """The reports of ``case`` whose reporters did not consent to a referral: nothing they sent (their words,
    their files) goes into a dossier."""
    return list(
        Report.objects.filter(case_link__case=case).exclude(consent__in=REFERRAL_CONSENTS).order_by("id")
    )


def reporter_words(case: Case, *, user: StaffUser, private_key: bytes) -> list[ReporterWords]:
    """What each report of the case said happened, in the reporter's own words, for the reports whose key
    is sealed to ``user`` and whose reporter consented to a referral (``reports_kept_out``)."""
    words = []
    for sealed in SealedKey.objects.filter(
        report__case_link__case=case,
        report__consent__in=REFERRAL_CONSENTS,
        kind=KeyKind.DATA,
        recipient_kind=RecipientKind.STAFF,
        staff=user,
    ).select_related("report"):
        content = report_content(
            report=sealed.report, data_key=staff_data_key(sealed=sealed, private_key=private_key)
        )
        text = str(content.get("what_happened", "")).strip()
        if text:
            words.append(ReporterWords(sealed.report.reference, sealed.report.received_on, text))
    return sorted(words, key=lambda item: item.received_on)
