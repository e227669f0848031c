"""The set this deployment offers to a private set intersection: the canonical strong match keys of its case
identifiers (the linking app's normalisers, so that a number typed two ways on two deployments meets), never
the linking key's blind indexes, which are secret per deployment and would match nothing elsewhere. Weak
keys (names, organisations, a phone number's second reading) are never offered."""

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from longarm.cases.models import Identifier, PersonRole
from longarm.crypto.envelopes import decrypt, encrypt
from longarm.crypto.errors import DecryptionError
from longarm.crypto.federation import (
    FEDERATION_KEY_FILE,
    federation_keys,
    load_federation_key,
)
from longarm.federation.models import OfferedKey
from longarm.linking.keys import STRONG_KINDS, match_keys

# Schemes a partnership may cover: the strong kinds of the linking app.
OFFERABLE_SCHEMES = tuple(sorted(STRONG_KINDS))


logger = logging.getLogger(__name__)


def federation_key() -> bytes:
    """The current federation key. Raises ``FederationKeyMissing`` (a ``KeyringError``) when the keyring
    has none: it is made only by `longarm init` and `longarm federation key create`."""
    return load_federation_key(Path(settings.KEYS_DIR))


def federation_key_exists() -> bool:
    return (Path(settings.KEYS_DIR) / FEDERATION_KEY_FILE).exists()


class Sealer:
    """Encrypts under the current federation key and decrypts under any key a rotation may have left
    (:func:`longarm.crypto.federation.federation_keys`), loaded once for many rows."""

    def __init__(self, keys: list[bytes] | None = None) -> None:
        self.keys = keys if keys is not None else federation_keys(Path(settings.KEYS_DIR))

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        return encrypt(self.keys[0], plaintext, context=context)

    def open(self, ciphertext: bytes, *, context: bytes) -> bytes:
        for key in self.keys[:-1]:
            try:
                return decrypt(key, ciphertext, context=context)
            except DecryptionError:
                continue
        return decrypt(self.keys[-1], ciphertext, context=context)


def offered_context(identifier: Identifier) -> bytes:
    return f"longarm federation offered key {identifier.public_id}".encode()


def element(scheme: str, value: str) -> str:
    """What enters the intersection: the scheme keeps a QQ number apart from a badge number of the same
    digits, as it does in the blind indexes."""
    return f"{scheme}\x00{value}"


def strong_keys(*, kind: str, value: str, region: str | None) -> list[tuple[str, str]]:
    """The (scheme, canonical value) of every strong match key of a value of ``kind``."""
    return list(
        dict.fromkeys(
            (match.scheme, match.value)
            for match in match_keys(kind, value, region=region)
            if match.strength == "strong" and match.scheme in STRONG_KINDS
        )
    )


# Whose identifiers are never offered to a partner: the reporter's and their relatives' own numbers and
# accounts. A partner who guessed one could otherwise learn that we hold it, and a badge or a "contact the
# partner" would point at a victim. Identifiers of perpetrators and intermediaries, and those recorded
# without a person (the questionnaire's and most caseworkers' entries are the perpetrators'), are offered.
NEVER_OFFERED_ROLES = (PersonRole.REPORTER, PersonRole.RELATIVE)


def offerable(identifier: Identifier) -> bool:
    person = identifier.person
    return person is None or PersonRole(person.role) not in NEVER_OFFERED_ROLES


def offered_keys_store(*, identifier: Identifier, value: str, region: str | None) -> list[OfferedKey]:
    """Replace what ``identifier`` offers with the strong keys of its plaintext ``value`` (in memory only),
    read in ``region`` (its case's, :func:`longarm.linking.index.case_region`). Runs in the caller's
    transaction (``identifier_keys_store``); returns the stored rows.

    On an installation without ``federation.key`` nothing is offered (federated linking is off there, and
    casework must not stop for it): `longarm federation offer` offers the identifiers once the key exists."""
    OfferedKey.objects.filter(identifier=identifier).delete()
    if not offerable(identifier):
        return []
    pairs = strong_keys(kind=identifier.kind, value=value, region=region)
    if not pairs:
        return []
    if not federation_key_exists():
        logger.warning("federation.key is missing: an identifier was not offered to partners")
        return []
    key, context = federation_key(), offered_context(identifier)
    return OfferedKey.objects.bulk_create(
        OfferedKey(
            identifier=identifier,
            scheme=scheme,
            ciphertext=encrypt(key, element(scheme, normal).encode(), context=context),
        )
        for scheme, normal in pairs
    )


@dataclass(frozen=True)
class OfferedSet:
    """The elements offered for ``schemes``, each once, and which identifiers gave each (several cases may
    hold the same phone number)."""

    elements: list[str]
    holders: list[list[int]]


def offered_set(schemes: list[str]) -> OfferedSet:
    """Decrypt, in memory, every offered key of ``schemes``. Raises ``FederationKeyMissing``."""
    sealer = Sealer()
    holders: dict[str, list[int]] = {}
    rows = (
        OfferedKey.objects.filter(scheme__in=[s for s in schemes if s in STRONG_KINDS])
        # Again here: a person's role may have changed since the key was stored.
        .exclude(identifier__person__role__in=NEVER_OFFERED_ROLES)
        .select_related("identifier")
        .only("ciphertext", "identifier__public_id", "identifier_id")
        .order_by("id")
        .iterator(chunk_size=2000)
    )
    for row in rows:
        plain = sealer.open(bytes(row.ciphertext), context=offered_context(row.identifier)).decode()
        holders.setdefault(plain, []).append(row.identifier_id)
    return OfferedSet(elements=list(holders), holders=list(holders.values()))
