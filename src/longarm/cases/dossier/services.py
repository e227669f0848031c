"""The dossier an investigator downloads for a referral: the parts of the case they chose, as a PDF."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from longarm.accounts.models import Role, StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.dossier.content import (
    case_identifiers,
    incident_description,
    person_details,
    person_name,
    reporter_words,
)
from longarm.cases.dossier.evidence import EvidenceEntry, evidence_for_case
from longarm.cases.dossier.pdf import html_to_pdf
from longarm.cases.dossier.requests import dossier_requests_fulfil
from longarm.cases.exceptions import NotAllowed
from longarm.cases.models import Case, Incident, Person, Referral
from longarm.cases.referrals.provisions import Provision, provision
from longarm.cases.referrals.selectors import referral_view
from longarm.cases.selectors import case_keys


@dataclass(frozen=True)
class DossierChoice:
    incident_ids: list[int]
    person_ids: list[int]
    evidence_ids: list[str]
    include_referral: bool
    include_identifiers: bool = True
    # The reporters' own words, and the caseworker's translation of them for the reader.
    include_reporter_words: bool = False
    translation: str = ""
    # The language the police or immigration officer reads, not the console's: one of DOSSIER_LANGUAGES.
    language: str = "en"


# Languages whose catalogue translates every heading and label of the dossier (tests/i18n checks it): a
# document for the police half in one language and half in another would be worse than English alone.
DOSSIER_LANGUAGES = ("en", "ja")


@dataclass(frozen=True)
class DossierFile:
    filename: str
    content: bytes


def _provisions(values: list[str]) -> list[Provision]:
    found = []
    for value in values:
        try:
            found.append(provision(value))
        except KeyError:
            # A provision since removed from the data files is still cited, by its stored value.
            found.append(Provision("", value, value, "", source="", unverified=False, caution=False))
    return found


def _render(
    case: Case,
    referral: Referral,
    data_key: bytes,
    identity_key: bytes | None,
    actor: StaffUser,
    private_key: bytes,
    choice: DossierChoice,
    now: datetime,
) -> str:
    incidents = [
        {"incident": incident, "description": incident_description(incident, data_key)}
        for incident in Incident.objects.filter(case=case, pk__in=choice.incident_ids).select_related("case")
    ]
    persons = [
        {
            "person": person,
            "details": person_details(person, data_key),
            "name": person_name(person, identity_key) if identity_key else "",
        }
        for person in Person.objects.filter(case=case, pk__in=choice.person_ids).select_related("case")
    ]
    evidence: list[EvidenceEntry] = [
        entry
        for entry in evidence_for_case(case, user=actor, private_key=private_key)
        if entry.public_id in set(choice.evidence_ids)
    ]
    identifiers = case_identifiers(case, user=actor, data_key=data_key) if choice.include_identifiers else []
    words = reporter_words(case, user=actor, private_key=private_key) if choice.include_reporter_words else []
    return render_to_string(
        "cases/dossier/dossier.html",
        {
            "identifiers": identifiers,
            "reporter_words": words,
            "translation": choice.translation if choice.include_reporter_words else "",
            "case": case,
            "referral": referral if choice.include_referral else None,
            "view": referral_view(referral=referral, data_key=data_key, identity_key=identity_key),
            "provisions": _provisions(list(referral.provisions)),
            "incidents": incidents,
            "persons": persons,
            "evidence": evidence,
            "generated_at": now,
            "actor": actor,
            "language": choice.language,
        },
    )


@transaction.atomic
def dossier_generate(
    *, actor: StaffUser, private_key: bytes, referral: Referral, choice: DossierChoice
) -> DossierFile:
    """Build the PDF of what ``choice`` names, as far as ``actor``'s keys open it; returns it.

    Names of persons are included only when ``actor`` holds the case identity key. Raises ``NotAllowed``
    for anyone but an investigator and ``NoAccess`` without the case data key. The download is audited.
    """
    if actor.role != Role.INVESTIGATOR:
        raise NotAllowed
    if choice.language not in DOSSIER_LANGUAGES:
        raise ValueError(choice.language)
    case = referral.case
    keys = case_keys(case=case, user=actor, private_key=private_key)
    now = timezone.now()
    # Everything labelled (vocabularies, provisions, field names) in the reader's language, not the console's.
    with translation.override(choice.language):
        html = _render(case, referral, keys.data, keys.identity, actor, private_key, choice, now)
    content = html_to_pdf(html)
    dossier_requests_fulfil(referral=referral, investigator=actor)
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=f"dossier.download:{referral.public_id}",
        object_type="case",
        object_id=str(case.public_id),
    )
    return DossierFile(filename=f"dossier-{case.reference}-{now:%Y%m%d}.pdf", content=content)
