"""The identifiers reporters typed, offered on the page of the case their reports are in. A caseworker adds
one to the case (it becomes a case identifier, indexed and counted like one typed on the page) or
dismisses it; nothing is copied without them. Only a reader who holds the report's key sees its
suggestions, as only they can decrypt them."""

from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.cases.auditing import audit_case_act
from longarm.cases.coding.services import identifier_add
from longarm.cases.exceptions import NoAccess
from longarm.cases.keys import decrypt_json, open_report_key
from longarm.cases.models import Case, Identifier, IdentifierKind
from longarm.crypto.envelopes import unseal
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.linking.arrival import report_identifier_context
from longarm.linking.index import current_linking_key
from longarm.linking.models import IdentifierKey, ReportIdentifier, ReportIdentifierKey, Suggestion


@dataclass(frozen=True)
class SuggestedIdentifier:
    identifier: ReportIdentifier
    report: Report
    kind_label: str
    value: str


def typed_value(*, identifier: ReportIdentifier, data_key: bytes) -> str:
    context = report_identifier_context(identifier.report.public_id, identifier.public_id)
    return str(decrypt_json(data_key, identifier.ciphertext, context=context)["value"])


def _already_in_case(case: Case) -> set[bytes]:
    version = current_linking_key().version
    return {
        bytes(index)
        for index in IdentifierKey.objects.filter(case=case, key_version=version).values_list(
            "blind_index", flat=True
        )
    }


def case_suggestions(*, case: Case, user: StaffUser, private_key: bytes) -> list[SuggestedIdentifier]:
    """The pending identifiers typed in the reports of ``case`` whose key ``user`` holds, leaving out one
    whose every match key the case already has (the same WeChat ID typed in two reports, or already
    added by hand)."""
    pending = list(
        ReportIdentifier.objects.filter(report__case_link__case=case, outcome=Suggestion.PENDING)
        .select_related("report")
        .order_by("report_id", "id")
    )
    if not pending:
        return []
    sealed = {
        item.report_id: bytes(item.sealed)
        for item in SealedKey.objects.filter(
            report_id__in={item.report_id for item in pending},
            kind=KeyKind.DATA,
            recipient_kind=RecipientKind.STAFF,
            staff=user,
        )
    }
    present = _already_in_case(case)
    version = current_linking_key().version
    keys: dict[int, set[bytes]] = {}
    for identifier_id, index in ReportIdentifierKey.objects.filter(
        identifier__in=pending, key_version=version
    ).values_list("identifier_id", "blind_index"):
        keys.setdefault(identifier_id, set()).add(bytes(index))
    found: list[SuggestedIdentifier] = []
    seen: set[frozenset[bytes]] = set()
    data_keys: dict[int, bytes] = {}
    for item in pending:
        if item.report_id not in sealed:
            continue
        mine = frozenset(keys.get(item.pk, set()))
        if (mine and mine <= present) or (mine and mine in seen):
            continue
        seen.add(mine)
        if item.report_id not in data_keys:
            data_keys[item.report_id] = unseal(private_key, sealed[item.report_id])
        label = str(IdentifierKind(item.kind).label) if item.kind in IdentifierKind.values else item.kind
        value = typed_value(identifier=item, data_key=data_keys[item.report_id])
        found.append(SuggestedIdentifier(item, item.report, label, value))
    return found


def suggestion_for(*, case: Case, public_id: UUID) -> ReportIdentifier:
    """A pending suggestion of ``case`` (the caller checked the reader holds the case); 404 otherwise."""
    found = (
        ReportIdentifier.objects.filter(
            public_id=public_id, report__case_link__case=case, outcome=Suggestion.PENDING
        )
        .select_related("report")
        .first()
    )
    if found is None:
        raise Http404
    return found


def suggestion_accept(
    *, actor: StaffUser, private_key: bytes, case: Case, suggestion: ReportIdentifier
) -> Identifier:
    """Add a reporter's identifier to ``case`` as a case identifier: decrypted with the report's key
    (``NoAccess`` without it), then stored by ``identifier_add`` — its quota, index, audit and probing
    count apply as to one typed by hand."""
    data_key = open_report_key(
        report=suggestion.report, kind=KeyKind.DATA, staff=actor, private_key=private_key
    )
    value = typed_value(identifier=suggestion, data_key=data_key)
    with transaction.atomic():
        identifier = identifier_add(
            actor=actor,
            private_key=private_key,
            case=case,
            kind=IdentifierKind(suggestion.kind),
            value=value,
        )
        suggestion.outcome = Suggestion.ADDED
        suggestion.save(update_fields=["outcome"])
        audit_case_act(actor, f"suggestion.added:{suggestion.kind}", case)
    return identifier


@transaction.atomic
def suggestion_dismiss(*, actor: StaffUser, case: Case, suggestion: ReportIdentifier) -> None:
    """Stop offering a reporter's identifier on ``case``: it stays with the report, and keeps linking it.
    Raises ``NoAccess`` for a reader who does not hold the report's key (they were never shown it)."""
    held = SealedKey.objects.filter(
        report=suggestion.report, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=actor
    )
    if not held.exists():
        raise NoAccess
    suggestion.outcome = Suggestion.DISMISSED
    suggestion.save(update_fields=["outcome"])
    audit_case_act(actor, f"suggestion.dismissed:{suggestion.kind}", case)
