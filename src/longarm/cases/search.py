"""Full-text search over what the reader can decrypt. Nothing is indexed in clear (DESIGN §6.1): every
candidate case's content is decrypted in memory with the reader's keys, matched, and dropped. The candidates
come from the coded filters, so the filters bound the work."""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from longarm.accounts.models import StaffUser
from longarm.cases.contexts import (
    identifier_context,
    incident_context,
    note_context,
    person_details_context,
    person_identity_context,
    summary_context,
)
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Case, CaseKey, CaseKeyKind, CaseReport, Identifier, Incident, Note, Person
from longarm.crypto.envelopes import decrypt, unseal
from longarm.intake.contexts import answers_context, message_context
from longarm.intake.models import KeyKind, Message, RecipientKind, SealedKey

# The most cases one search decrypts; the page says so when the filters leave more.
SEARCH_LIMIT = 2000
_SNIPPET = 60
_PLACES = {
    "summary": _("Summary"),
    "note": _("Note"),
    "incident": _("Incident"),
    "person": _("Person"),
    "identifier": _("Identifier"),
    "report": _("Report"),
    "message": _("Message"),
}


@dataclass(frozen=True)
class SearchHit:
    case: Case
    # Where the words were found ("note", "report", …) and a short stretch of the text around them.
    where: str
    snippet: str

    @property
    def where_label(self) -> str:
        return str(_PLACES.get(self.where, self.where))


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    searched: int
    truncated: bool


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _snippet(text: str, term: str) -> str:
    start = max(text.casefold().find(term) - _SNIPPET // 2, 0)
    piece = " ".join(text[start : start + _SNIPPET + len(term)].split())
    return ("…" if start else "") + piece + ("…" if start + _SNIPPET + len(term) < len(text) else "")


class _Texts:
    """The decrypted texts of each candidate case, labelled by where they come from."""

    def __init__(self) -> None:
        self.by_case: dict[int, list[tuple[str, str]]] = defaultdict(list)

    def add(self, case_id: int, where: str, value: Any) -> None:
        self.by_case[case_id].extend((where, text) for text in _strings(value) if text)


def _case_texts(cases: list[Case], user: StaffUser, private_key: bytes) -> _Texts:
    texts = _Texts()
    ids = [case.pk for case in cases]
    by_id = {case.pk: case for case in cases}
    keys: dict[tuple[int, str], bytes] = {
        (sealed.case_id, sealed.kind): unseal(private_key, bytes(sealed.sealed))
        for sealed in CaseKey.objects.filter(case_id__in=ids, staff=user)
    }

    def data_key(case_id: int) -> bytes:
        return keys[(case_id, CaseKeyKind.DATA)]

    for case in cases:
        summary = decrypt_json(
            data_key(case.pk), case.summary_ciphertext, context=summary_context(case.public_id)
        )
        texts.add(case.pk, "summary", summary)
    for note in Note.objects.filter(case_id__in=ids):
        case_id = by_id[note.case_id].public_id
        texts.add(
            note.case_id,
            "note",
            decrypt_json(
                data_key(note.case_id), note.ciphertext, context=note_context(case_id, note.public_id)
            ),
        )
    for incident in Incident.objects.filter(case_id__in=ids):
        context = incident_context(by_id[incident.case_id].public_id, incident.public_id)
        texts.add(
            incident.case_id,
            "incident",
            decrypt_json(data_key(incident.case_id), incident.description_ciphertext, context=context),
        )
    for person in Person.objects.filter(case_id__in=ids):
        case_id = by_id[person.case_id].public_id
        texts.add(person.case_id, "person", person.label)
        texts.add(
            person.case_id,
            "person",
            decrypt_json(
                data_key(person.case_id),
                person.details_ciphertext,
                context=person_details_context(case_id, person.public_id),
            ),
        )
        identity_key = keys.get((person.case_id, CaseKeyKind.IDENTITY))
        if identity_key is not None and person.identity_ciphertext:
            texts.add(
                person.case_id,
                "person",
                decrypt_json(
                    identity_key,
                    person.identity_ciphertext,
                    context=person_identity_context(case_id, person.public_id),
                ),
            )
    for identifier in Identifier.objects.filter(case_id__in=ids):
        context = identifier_context(by_id[identifier.case_id].public_id, identifier.public_id)
        texts.add(
            identifier.case_id,
            "identifier",
            decrypt_json(data_key(identifier.case_id), identifier.ciphertext, context=context),
        )
    _report_texts(texts, ids, user, private_key)
    return texts


def _report_texts(texts: _Texts, case_ids: Iterable[int], user: StaffUser, private_key: bytes) -> None:
    """Answers and messages of the grouped reports whose own key is sealed to ``user``."""
    case_of = dict(CaseReport.objects.filter(case_id__in=case_ids).values_list("report_id", "case_id"))
    report_keys: dict[int, tuple[bytes, Any]] = {}
    for sealed in SealedKey.objects.filter(
        report_id__in=case_of, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
    ).select_related("report"):
        key = unseal(private_key, bytes(sealed.sealed))
        report = sealed.report
        report_keys[report.pk] = (key, report.public_id)
        answers = json.loads(
            decrypt(key, bytes(report.answers_ciphertext), context=answers_context(report.public_id))
        )
        texts.add(case_of[report.pk], "report", answers)
    for message in Message.objects.filter(report_id__in=report_keys):
        key, report_id = report_keys[message.report_id]
        text = decrypt(key, bytes(message.ciphertext), context=message_context(report_id, message.public_id))
        texts.add(case_of[message.report_id], "message", text.decode())


def case_search(*, user: StaffUser, private_key: bytes, cases: QuerySet[Case], text: str) -> SearchResult:
    """The cases among ``cases`` (already the reader's: see ``case_list``) whose decrypted content holds
    every word of ``text``, case-insensitively, in the order given."""
    terms = [term.casefold() for term in text.split()]
    candidates = list(cases[: SEARCH_LIMIT + 1])
    truncated = len(candidates) > SEARCH_LIMIT
    candidates = candidates[:SEARCH_LIMIT]
    texts = _case_texts(candidates, user, private_key) if terms else _Texts()
    hits = []
    for case in candidates:
        found = texts.by_case.get(case.pk, [])
        if not terms or not all(any(term in value.casefold() for _, value in found) for term in terms):
            continue
        where, value = next((w, v) for w, v in found if terms[0] in v.casefold())
        hits.append(SearchHit(case=case, where=where, snippet=_snippet(value, terms[0])))
    return SearchResult(hits=hits, searched=len(candidates), truncated=truncated)
