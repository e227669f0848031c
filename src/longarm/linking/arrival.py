"""Report-level linking, in the submitting request: the identifiers a reporter typed in the structured
perpetrator fields become keyed match keys and ciphertexts there, since the plaintext exists nowhere else.

Only the result goes into the outbox payload (``prepare_on_report_arrival``): per identifier its kind, a
random id, its value encrypted under the report's data key, and the blind indexes of its match keys under
the current linking key. The worker (:mod:`longarm.linking.report_index`) stores them after commit. Free
text ("anything else about them", "what happened") is left to caseworkers: a key derived from prose would
link reports on words, not on a phone or an account.
"""

import base64
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from longarm.cases.keys import encrypt_json
from longarm.cases.models import IdentifierKind
from longarm.core.outbox import ReportArrival
from longarm.intake.models import REVIEWABLE_CONSENTS, Report
from longarm.linking.index import current_linking_key, indexed_keys
from longarm.linking.keys import MAX_LENGTH

# Which identifier kind each structured field of the questionnaire holds. Several names per kind: the
# questionnaire's fields have been renamed before, and an unknown field is skipped rather than guessed.
FIELD_KINDS: dict[str, IdentifierKind] = {
    "phone_numbers": IdentifierKind.PHONE,
    "phones": IdentifierKind.PHONE,
    "wechat_ids": IdentifierKind.WECHAT,
    "qq_ids": IdentifierKind.QQ,
    "qq_numbers": IdentifierKind.QQ,
    "badge_numbers": IdentifierKind.BADGE,
    "emails": IdentifierKind.EMAIL,
    "email_addresses": IdentifierKind.EMAIL,
    "plates": IdentifierKind.PLATE,
    "vehicle_plates": IdentifierKind.PLATE,
    "names": IdentifierKind.NAME,
    "agencies": IdentifierKind.ORGANISATION,
    "agency": IdentifierKind.ORGANISATION,
    "organisations": IdentifierKind.ORGANISATION,
}
# One field may hold several values: one a line, or separated as people list things in any script.
# Full-width comma and semicolon and the ideographic comma, as Chinese and Japanese IMEs type them.
SEPARATORS = re.compile("[\n\r;,\uff0c\u3001\uff1b]+")
# A questionnaire hands over at most this many values: more is pasted text, not a list of identifiers.
MAX_VALUES = 40


def report_identifier_context(report_id: uuid.UUID, identifier_id: uuid.UUID) -> bytes:
    """Associated data of a typed identifier's ciphertext: it names the report and the identifier."""
    return f"longarm report {report_id} identifier {identifier_id}".encode()


@dataclass(frozen=True)
class TypedValue:
    kind: IdentifierKind
    value: str


def _values(raw: object) -> Iterator[str]:
    if isinstance(raw, str):
        yield from (part.strip() for part in SEPARATORS.split(raw))
    elif isinstance(raw, list | tuple):
        for item in raw:
            if isinstance(item, str):
                yield item.strip()


def _perpetrator_groups(content: Mapping[str, object]) -> Iterator[Mapping[str, object]]:
    groups = content.get("perpetrators")
    if isinstance(groups, Mapping):
        yield groups
    elif isinstance(groups, list | tuple):
        yield from (group for group in groups if isinstance(group, Mapping))


def typed_values(content: Mapping[str, object]) -> list[TypedValue]:
    """The distinct (kind, value) pairs of the structured perpetrator fields of ``content``."""
    found: dict[tuple[str, str], TypedValue] = {}
    for group in _perpetrator_groups(content):
        for field, raw in group.items():
            kind = FIELD_KINDS.get(field)
            if kind is None:
                continue
            for value in _values(raw):
                if value and len(found) < MAX_VALUES:
                    found.setdefault((kind, value), TypedValue(kind, value[:MAX_LENGTH]))
    return list(found.values())


def linkable(report_pk: int) -> bool:
    """Whether the report's consent lets caseworkers read it, and so be told what it links to."""
    return Report.objects.filter(pk=report_pk, consent__in=REVIEWABLE_CONSENTS).exists()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def region_of(content: Mapping[str, object]) -> str | None:
    """The reporter's host country: the default region of a phone number typed without a country code."""
    country = content.get("host_country")
    if isinstance(country, str) and len(country) == 2 and country.isalpha():
        return country.upper()
    return None


def report_identifiers_prepare(arrival: ReportArrival) -> dict[str, object] | None:
    """The payload of one arriving report: no plaintext, only ciphertexts and blind indexes. A report
    whose reporter chose statistics only is read by no staff member, so it links to nothing either."""
    values = typed_values(arrival.content)
    if not values:
        return None
    if not (linkable(arrival.report_pk) if arrival.staff_may_read is None else arrival.staff_may_read):
        return None
    key = current_linking_key()
    region = region_of(arrival.content)
    identifiers = []
    for typed in values:
        identifier_id = uuid.uuid4()
        keys = indexed_keys(kind=typed.kind, value=typed.value, region=region, key=key)
        ciphertext = encrypt_json(
            arrival.data_key,
            {"value": typed.value},
            context=report_identifier_context(arrival.public_id, identifier_id),
        )
        identifiers.append(
            {
                "id": str(identifier_id),
                "kind": str(typed.kind),
                "ciphertext": _b64(ciphertext),
                "keys": [[item.scheme, item.strength, _b64(item.blind_index)] for item in keys],
            }
        )
    return {"key_version": key.version, "identifiers": identifiers}
