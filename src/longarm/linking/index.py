"""Blind indexes of identifiers under the linking key (DESIGN §3): from a plaintext value, in memory, to
the 16-byte indexes of its match keys. Nothing here stores or logs a value."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from longarm.cases.models import Case, Identifier
from longarm.crypto.blind_index import blind_index
from longarm.crypto.linking_key import LinkingKey, linking_key_stamp, load_linking_key
from longarm.linking.keys import match_keys
from longarm.linking.models import IdentifierKey

_loaded: dict[Path, tuple[tuple[int, int], LinkingKey]] = {}


def current_linking_key() -> LinkingKey:
    """The linking key in the keyring directory. Re-read when the file is replaced, so that servers running
    during `longarm linking reindex` move to the new key as soon as it is committed."""
    directory = Path(settings.KEYS_DIR)
    cached = _loaded.get(directory)
    if cached is not None:
        try:
            if cached[0] == linking_key_stamp(directory):
                return cached[1]
        except FileNotFoundError:
            pass
    key = load_linking_key(directory)
    _loaded[directory] = (linking_key_stamp(directory), key)
    return key


def case_region(case: Case) -> str | None:
    """The ISO country of the reporter's context: a grouped report's host country, else an incident's."""
    for field in ("case_reports__report__host_country", "incidents__host_country"):
        country = Case.objects.filter(pk=case.pk).exclude(**{field: ""}).values_list(field, flat=True).first()
        if country and len(country) == 2 and country.isalpha():
            return str(country).upper()
    return None


@dataclass(frozen=True)
class IndexedKey:
    scheme: str
    strength: str
    blind_index: bytes


def indexed_keys(*, kind: str, value: str, region: str | None, key: LinkingKey) -> list[IndexedKey]:
    """The blind index of every distinct match key of a value of ``kind``."""
    seen: dict[bytes, IndexedKey] = {}
    for match in match_keys(kind, value, region=region):
        index = blind_index(key.key, match.scheme, match.value)
        seen.setdefault(index, IndexedKey(scheme=match.scheme, strength=match.strength, blind_index=index))
    return list(seen.values())


def key_rows(
    *, identifier: Identifier, keys: list[IndexedKey], version: int, case_id: int | None = None
) -> list[IdentifierKey]:
    return [
        IdentifierKey(
            identifier_id=identifier.pk,
            case_id=case_id if case_id is not None else identifier.case_id,
            scheme=item.scheme[:24],
            strength=item.strength,
            blind_index=item.blind_index,
            key_version=version,
        )
        for item in keys
    ]


def primary_index(*, kind: str, keys: list[IndexedKey], key: LinkingKey) -> bytes:
    """What ``Identifier.blind_index`` holds: the first match key's index, or the index of the empty value
    when the value normalises to nothing (so it matches nothing)."""
    return keys[0].blind_index if keys else blind_index(key.key, kind, "")
