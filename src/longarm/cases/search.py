"""Full-text search over every case the reader holds. Nothing is indexed in clear (DESIGN §6.1): the texts
are decrypted with the reader's keys into their own index, which rests only sealed to them
(``cases.search_index``). ``case_texts`` is what is searched, in order; a case matches when every word of
the query, case-folded, is a substring of one of its texts, case-folded."""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
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
from longarm.cases.search_index import index_match
from longarm.crypto.envelopes import decrypt, unsealer
from longarm.intake.contexts import answers_context, message_context
from longarm.intake.models import KeyKind, Message, RecipientKind, SealedKey

PAGE_SIZE = 50
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
    # The hits of the page asked for, in the order of the case list.
    hits: list[SearchHit]
    page: Page[int]
    # How many cases the filters left, all of them searched.
    searched: int

    @property
    def matched(self) -> int:
        return self.page.paginator.count


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
    """The decrypted texts of each case, labelled by where they come from."""

    def __init__(self) -> None:
        self.by_case: dict[int, list[tuple[str, str]]] = defaultdict(list)

    def add(self, case_id: int, where: str, value: Any) -> None:
        self.by_case[case_id].extend((where, text) for text in _strings(value) if text)


def case_texts(cases: list[Case], user: StaffUser, private_key: bytes) -> dict[int, list[tuple[str, str]]]:
    """Every text of each of ``cases`` that ``user`` can decrypt, as (where, text), always in the same order:
    summary, notes, incidents, persons, identifiers, then the reports' answers and messages."""
    texts = _Texts()
    ids = [case.pk for case in cases]
    by_id = {case.pk: case for case in cases}
    open_one = unsealer(private_key)
    keys: dict[tuple[int, str], bytes] = {
        (sealed.case_id, sealed.kind): open_one(bytes(sealed.sealed))
        for sealed in CaseKey.objects.filter(case_id__in=ids, staff=user)
    }

    def data_key(case_id: int) -> bytes:
        return keys[(case_id, CaseKeyKind.DATA)]

    for case in cases:
        summary = decrypt_json(
            data_key(case.pk), case.summary_ciphertext, context=summary_context(case.public_id)
        )
        texts.add(case.pk, "summary", summary)
    for note in Note.objects.filter(case_id__in=ids).order_by("pk"):
        case_id = by_id[note.case_id].public_id
        texts.add(
            note.case_id,
            "note",
            decrypt_json(
                data_key(note.case_id), note.ciphertext, context=note_context(case_id, note.public_id)
            ),
        )
    for incident in Incident.objects.filter(case_id__in=ids).order_by("pk"):
        context = incident_context(by_id[incident.case_id].public_id, incident.public_id)
        texts.add(
            incident.case_id,
            "incident",
            decrypt_json(data_key(incident.case_id), incident.description_ciphertext, context=context),
        )
    for person in Person.objects.filter(case_id__in=ids).order_by("pk"):
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
    for identifier in Identifier.objects.filter(case_id__in=ids).order_by("pk"):
        context = identifier_context(by_id[identifier.case_id].public_id, identifier.public_id)
        texts.add(
            identifier.case_id,
            "identifier",
            decrypt_json(data_key(identifier.case_id), identifier.ciphertext, context=context),
        )
    _report_texts(texts, ids, user, private_key)
    return dict(texts.by_case)


def _report_texts(texts: _Texts, case_ids: Iterable[int], user: StaffUser, private_key: bytes) -> None:
    """Answers and messages of the grouped reports whose own key is sealed to ``user``."""
    case_of = dict(CaseReport.objects.filter(case_id__in=case_ids).values_list("report_id", "case_id"))
    report_keys: dict[int, tuple[bytes, Any]] = {}
    sealed_keys = SealedKey.objects.filter(
        report_id__in=case_of, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
    )
    open_one = unsealer(private_key)
    for sealed in sealed_keys.select_related("report").order_by("report_id"):
        key = open_one(bytes(sealed.sealed))
        report = sealed.report
        report_keys[report.pk] = (key, report.public_id)
        answers = json.loads(
            decrypt(key, bytes(report.answers_ciphertext), context=answers_context(report.public_id))
        )
        texts.add(case_of[report.pk], "report", answers)
    for message in Message.objects.filter(report_id__in=report_keys).order_by("report_id", "position"):
        key, report_id = report_keys[message.report_id]
        text = decrypt(key, bytes(message.ciphertext), context=message_context(report_id, message.public_id))
        texts.add(case_of[message.report_id], "message", text.decode())


def search_terms(text: str) -> list[str]:
    return [term.casefold() for term in text.split()]


def case_search(
    *,
    user: StaffUser,
    private_key: bytes,
    holder: str,
    cases: QuerySet[Case],
    text: str,
    page: int | str | None = None,
    per_page: int = PAGE_SIZE,
    build_seconds: float | None = None,
) -> SearchResult:
    """The cases among ``cases`` (already the reader's: see ``case_list``) whose decrypted content holds
    every word of ``text``, case-insensitively, each word anywhere in the case: page ``page`` of them, in the
    order of ``cases``. ``holder`` names whose in-memory index this is (the session), see ``search_index``.
    With ``build_seconds``, raises ``SearchIndexBuilding`` when the reader's index needs more decrypting
    than that (their first search over thousands of cases): asked again, it goes on where it stopped."""
    order = list(cases.values_list("pk", flat=True))
    terms = search_terms(text)
    found: Page[int] | None = None

    def page_of(matched: frozenset[int]) -> list[int]:
        nonlocal found
        found = Paginator([case_id for case_id in order if case_id in matched], per_page).get_page(page)
        return list(found.object_list)

    shown: dict[int, tuple[str, str]] = {}
    if terms and order:
        matches = index_match(
            user=user,
            private_key=private_key,
            holder=holder,
            terms=terms,
            pick=page_of,
            build_seconds=build_seconds,
        )
        shown = matches.shown
    if found is None:
        found = Paginator([], per_page).get_page(page)
    by_id = Case.objects.in_bulk(list(shown))
    hits = [
        SearchHit(case=by_id[case_id], where=where, snippet=_snippet(value, terms[0]))
        for case_id, (where, value) in shown.items()
        if case_id in by_id
    ]
    return SearchResult(hits=hits, page=found, searched=len(order))
