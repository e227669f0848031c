"""What an audit event's object is, for a person reading the log: a case or report reference with a link,
a staff member's name, an analytics table's filters — not the raw identifiers the chain stores.

The chain keeps ``object_type`` and ``object_id`` as written (changing them would break the hashes); this
module only reads them, one query per object type for a whole page.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext

from longarm.audit.models import AuditEvent


@dataclass(frozen=True)
class ObjectReference:
    kind: str
    text: str
    url: str = ""


def _uuids(values: Iterable[str]) -> dict[str, uuid.UUID]:
    found = {}
    for value in values:
        try:
            found[value] = uuid.UUID(value)
        except ValueError:
            continue
    return found


def _cases(ids: set[str]) -> dict[str, ObjectReference]:
    from longarm.cases.models import Case

    parsed = _uuids(ids)
    cases = Case.objects.filter(public_id__in=parsed.values()).only("public_id", "reference")
    by_uuid = {case.public_id: case for case in cases}
    # Named, not linked: the log is read by administrators, who never open a case (a link would be a 403).
    return {
        raw: ObjectReference(gettext("Case"), by_uuid[value].reference)
        for raw, value in parsed.items()
        if value in by_uuid
    }


def _reports(ids: set[str]) -> dict[str, ObjectReference]:

    parsed = _uuids(ids)
    # Its reference (derived from the identifier, so a deleted report keeps it), not a link: administrators,
    # who read the log, never open a report.
    return {raw: ObjectReference(gettext("Report"), value.hex[:10].upper()) for raw, value in parsed.items()}


def _staff(ids: set[str]) -> dict[str, ObjectReference]:
    from longarm.accounts.models import StaffUser

    numbers = [int(value) for value in ids if value.isdigit()]
    names = dict(StaffUser.objects.filter(pk__in=numbers).values_list("pk", "username"))
    return {
        value: ObjectReference(gettext("Staff member"), names[int(value)])
        for value in ids
        if value.isdigit() and int(value) in names
    }


def _proposals(ids: set[str]) -> dict[str, ObjectReference]:
    from longarm.accounts.models import Proposal

    parsed = _uuids(ids)
    rows = Proposal.objects.filter(public_id__in=parsed.values()).select_related("staff")
    by_uuid = {proposal.public_id: proposal for proposal in rows}
    references = {}
    for raw, value in parsed.items():
        proposal = by_uuid.get(value)
        if proposal is None:
            continue
        who = proposal.staff.username if proposal.staff else proposal.username
        text = gettext("%(change)s: %(username)s") % {"change": proposal.get_kind_display(), "username": who}
        references[raw] = ObjectReference(gettext("Proposal"), text, reverse("accounts:approvals"))
    return references


def _analytics_filters(object_id: str) -> str:
    # Written as "community|place|tactic"; empty parts are filters not set.
    parts = object_id.split("|")
    if len(parts) != 3:
        return object_id
    labels = (gettext("Community"), gettext("Place"), gettext("Tactic"))
    chosen = [f"{label}: {value}" for label, value in zip(labels, parts, strict=True) if value]
    return ", ".join(chosen) if chosen else gettext("All incidents")


_RESOLVERS = {"case": _cases, "report": _reports, "staff": _staff, "proposal": _proposals}


def object_references(events: Iterable[AuditEvent]) -> dict[int, ObjectReference]:
    """Each event's object as a person reads it, keyed by event id."""
    events = list(events)
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type in _RESOLVERS and event.object_id:
            wanted[event.object_type].add(event.object_id)
    resolved = {kind: _RESOLVERS[kind](ids) for kind, ids in wanted.items()}
    references = {}
    for event in events:
        found = resolved.get(event.object_type, {}).get(event.object_id)
        if found is not None:
            references[event.pk] = found
        elif event.action.startswith("analytics."):
            references[event.pk] = ObjectReference(event.object_type, _analytics_filters(event.object_id))
        else:
            references[event.pk] = ObjectReference(event.object_type, event.object_id)
    return references
