"""Rotating the linking key: every identifier's blind indexes rebuilt under a new key.

Blind indexes cannot be re-keyed without the values, so each identifier is decrypted — in memory only —
with its case data key (an identifier a reporter typed, with its report's data key), which is opened with
the organisation's recovery private key (DESIGN §3: every case and report key is sealed to it too), brought
in for the run. The new key is staged first; identifiers get rows under
it in batches, each batch one transaction; then the new key is committed (servers pick it up at once), the
identifiers added meanwhile are caught up, the old rows are deleted, and caseworkers' link decisions move
to the new indexes. An interrupted run can be started again: it resumes with the staged key.

The run also rebuilds the keys for the current normalisers, whose schemes and forms change between
releases (issue 20: identifiers taken out of sentences, the second reading of a phone number made weak).
A deployment must not lose a link it had: when an identifier held an index under the old key that another
case shared or that a caseworker reviewed, and today's normalisers no longer produce it, the index is
carried over as a *legacy* key — the blind index, under the new key, of the old index itself (scheme
``legacy:<scheme>``, the old strength). Every identifier that shared the old index gets the same legacy
index, so the link and its review survive without any plaintext form of the old rules. Keys today's
normalisers still produce keep today's strength: a strong link that was a phone number's second reading
becomes the weak suggestion it should always have been, and a confirmed review still joins it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.contexts import identifier_context
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Case, CaseKey, CaseKeyKind, Identifier
from longarm.core.keyring import check_recovery_key
from longarm.crypto.blind_index import blind_index
from longarm.crypto.envelopes import unseal
from longarm.crypto.linking_key import LinkingKey, commit_linking_key, stage_next_linking_key
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.selectors import report_content
from longarm.linking.arrival import region_of, report_identifier_context
from longarm.linking.clusters import recluster_all
from longarm.linking.index import (
    IndexedKey,
    case_region,
    current_linking_key,
    indexed_keys,
    key_rows,
    primary_index,
)
from longarm.linking.keys import match_keys
from longarm.linking.models import (
    IdentifierKey,
    LinkReview,
    ReportIdentifier,
    ReportIdentifierKey,
)

BATCH = 500
# Scheme prefix of a key carried over from an earlier normaliser (see the module docstring).
LEGACY = "legacy:"


@dataclass(frozen=True)
class ReindexResult:
    version: int
    identifiers: int
    keys: int
    reviews: int
    # Identifiers reporters typed in the questionnaire (``ReportIdentifier``) and their key rows.
    typed: int = 0
    typed_keys: int = 0


def _missing(version: int) -> Iterator[list[Identifier]]:
    """Identifiers without a key row under ``version``, in batches, case by case."""
    has_rows = IdentifierKey.objects.filter(identifier=OuterRef("pk"), key_version=version)
    last = 0
    while True:
        batch = list(
            Identifier.objects.filter(pk__gt=last)
            .filter(~Exists(has_rows))
            .select_related("case")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        yield batch


class CaseKeys:
    """Case data keys opened with the recovery key, and the cases' regions, kept for one run (public: the
    federation app's backfill opens cases the same way)."""

    def __init__(self, recovery_private_key: bytes) -> None:
        self.recovery = recovery_private_key
        self.keys: dict[int, bytes] = {}
        self.regions: dict[int, str | None] = {}

    def data_key(self, case: Case) -> bytes:
        if case.pk not in self.keys:
            sealed = CaseKey.objects.get(case=case, kind=CaseKeyKind.DATA, staff__isnull=True)
            self.keys[case.pk] = unseal(self.recovery, bytes(sealed.sealed))
        return self.keys[case.pk]

    def region(self, case: Case) -> str | None:
        if case.pk not in self.regions:
            self.regions[case.pk] = case_region(case)
        return self.regions[case.pk]


class _ReportKeys:
    """Report data keys opened with the recovery key, and the reporters' host countries, for one run."""

    def __init__(self, recovery_private_key: bytes) -> None:
        self.recovery = recovery_private_key
        self.keys: dict[int, bytes] = {}
        self.regions: dict[int, str | None] = {}

    def data_key(self, report: Report) -> bytes:
        if report.pk not in self.keys:
            sealed = SealedKey.objects.get(
                report=report, kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY
            )
            self.keys[report.pk] = unseal(self.recovery, bytes(sealed.sealed))
        return self.keys[report.pk]

    def region(self, report: Report) -> str | None:
        # The region the request used: the host country the reporter chose, which is coded in clear only
        # with their consent to statistics, so it is read from the answers.
        if report.pk not in self.regions:
            self.regions[report.pk] = region_of(report_content(report=report, data_key=self.data_key(report)))
        return self.regions[report.pk]


def _missing_typed(version: int) -> Iterator[list[ReportIdentifier]]:
    """Identifiers reporters typed without a key row under ``version``, in batches."""
    has_rows = ReportIdentifierKey.objects.filter(identifier=OuterRef("pk"), key_version=version)
    last = 0
    while True:
        batch = list(
            ReportIdentifier.objects.filter(pk__gt=last)
            .filter(~Exists(has_rows))
            .select_related("report")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        yield batch


def _rebuild_typed(new: LinkingKey, keys: _ReportKeys) -> tuple[int, int]:
    """Give every identifier a reporter typed its rows under ``new``. Returns (identifiers, rows)."""
    identifiers = rows = 0
    for batch in _missing_typed(new.version):
        fresh_rows: list[ReportIdentifierKey] = []
        for identifier in batch:
            report = identifier.report
            context = report_identifier_context(report.public_id, identifier.public_id)
            value = str(decrypt_json(keys.data_key(report), identifier.ciphertext, context=context)["value"])
            fresh = indexed_keys(kind=identifier.kind, value=value, region=keys.region(report), key=new)
            del value
            fresh_rows += [
                ReportIdentifierKey(
                    identifier=identifier,
                    report_id=identifier.report_id,
                    scheme=item.scheme[:24],
                    strength=item.strength,
                    blind_index=item.blind_index,
                    key_version=new.version,
                )
                for item in fresh
            ]
        with transaction.atomic():
            ReportIdentifierKey.objects.filter(identifier__in=batch, key_version=new.version).delete()
            ReportIdentifierKey.objects.bulk_create(fresh_rows)
        identifiers += len(batch)
        rows += len(fresh_rows)
    return identifiers, rows


def _rebuild(
    new: LinkingKey,
    old: LinkingKey | None,
    keys: CaseKeys,
    renamed: dict[bytes, bytes],
    reviewed: set[bytes],
) -> tuple[int, int]:
    """Give every identifier lacking them its rows under ``new``; note in ``renamed`` the new index of every
    old index a review names. Returns (identifiers, rows) written."""
    identifiers = rows = 0
    for batch in _missing(new.version):
        fresh_rows: list[IdentifierKey] = []
        linked = _linked_old_rows(old, batch, reviewed) if old is not None else {}
        for identifier in batch:
            case = identifier.case
            context = identifier_context(case.public_id, identifier.public_id)
            value = str(decrypt_json(keys.data_key(case), identifier.ciphertext, context=context)["value"])
            region = keys.region(case)
            fresh = indexed_keys(kind=identifier.kind, value=value, region=region, key=new)
            produced: set[bytes] = set()
            if old is not None:
                for match in match_keys(identifier.kind, value, region=region):
                    before = blind_index(old.key, match.scheme, match.value)
                    produced.add(before)
                    if before in reviewed:
                        renamed[before] = blind_index(new.key, match.scheme, match.value)
            del value
            fresh += _carried(new, linked.get(identifier.pk, []), produced, renamed, fresh)
            identifier.blind_index = primary_index(kind=identifier.kind, keys=fresh, key=new)
            fresh_rows += key_rows(identifier=identifier, keys=fresh, version=new.version)
        with transaction.atomic():
            Identifier.objects.bulk_update(batch, ["blind_index"])
            IdentifierKey.objects.filter(identifier__in=batch, key_version=new.version).delete()
            IdentifierKey.objects.bulk_create(fresh_rows)
        identifiers += len(batch)
        rows += len(fresh_rows)
    return identifiers, rows


def _linked_old_rows(
    old: LinkingKey, batch: list[Identifier], reviewed: set[bytes]
) -> dict[int, list[tuple[bytes, str, str]]]:
    """Per identifier of ``batch``, its rows under the old key that made a link: the index is shared with
    another case, or a review names it. (index, scheme, strength) each."""
    rows = [
        (identifier_id, case_id, bytes(index), scheme, strength)
        for identifier_id, case_id, index, scheme, strength in IdentifierKey.objects.filter(
            identifier__in=batch, key_version=old.version
        ).values_list("identifier_id", "case_id", "blind_index", "scheme", "strength")
    ]
    cases: dict[bytes, set[int]] = {}
    for index, case_id in IdentifierKey.objects.filter(
        key_version=old.version, blind_index__in={row[2] for row in rows}
    ).values_list("blind_index", "case_id"):
        cases.setdefault(bytes(index), set()).add(case_id)
    linked: dict[int, list[tuple[bytes, str, str]]] = {}
    for identifier_id, _case_id, index, scheme, strength in rows:
        if len(cases.get(index, ())) > 1 or index in reviewed:
            linked.setdefault(identifier_id, []).append((index, scheme, strength))
    return linked


def _carried(
    new: LinkingKey,
    old_rows: list[tuple[bytes, str, str]],
    produced: set[bytes],
    renamed: dict[bytes, bytes],
    fresh: list[IndexedKey],
) -> list[IndexedKey]:
    """Legacy keys for the linking old indexes that today's normalisers no longer produce."""
    have = {item.blind_index for item in fresh}
    carried: list[IndexedKey] = []
    for index, scheme, strength in old_rows:
        if index in produced:
            continue
        legacy = scheme if scheme.startswith(LEGACY) else (LEGACY + scheme)[:24]
        carried_index = blind_index(new.key, legacy, index.hex())
        renamed[index] = carried_index
        if carried_index not in have:
            have.add(carried_index)
            carried.append(IndexedKey(scheme=legacy, strength=strength, blind_index=carried_index))
    return carried


def _move_reviews(new: LinkingKey, renamed: dict[bytes, bytes]) -> int:
    moved = 0
    with transaction.atomic():
        for review in LinkReview.objects.exclude(key_version=new.version):
            index = renamed.get(bytes(review.blind_index))
            if (
                index is None
                or LinkReview.objects.filter(
                    low=review.low_id, high=review.high_id, blind_index=index
                ).exists()
            ):
                review.delete()
                continue
            review.blind_index, review.key_version = index, new.version
            review.save(update_fields=["blind_index", "key_version"])
            moved += 1
    return moved


def linking_reindex(
    *, recovery_private_key: bytes, progress: Callable[[str], None] | None = None
) -> ReindexResult:
    """Rotate the linking key and rebuild every blind index under it (see the module docstring).

    Returns counts only. Raises ``KeyringError`` for a wrong recovery key or a broken keyring, and
    ``DecryptionError`` for a tampered identifier (the run stops; starting it again resumes).
    """
    check_recovery_key(recovery_private_key)
    directory = Path(settings.KEYS_DIR)
    say = progress or (lambda _message: None)
    old = current_linking_key()
    new = stage_next_linking_key(directory)
    reviewed = {bytes(index) for index in LinkReview.objects.values_list("blind_index", flat=True)}
    renamed: dict[bytes, bytes] = {}
    keys, report_keys = CaseKeys(recovery_private_key), _ReportKeys(recovery_private_key)
    identifiers, rows = _rebuild(new, old, keys, renamed, reviewed)
    # Identifiers reporters typed: no review names one (reviews are between cases).
    typed, typed_rows = _rebuild_typed(new, report_keys)
    say(
        f"{identifiers} identifiers and {typed} typed by reporters indexed under linking key version "
        f"{new.version}"
    )
    commit_linking_key(directory)
    caught_up, more = _rebuild(new, None, keys, renamed, set())
    typed_caught_up, typed_more = _rebuild_typed(new, report_keys)
    for model in (IdentifierKey, ReportIdentifierKey):
        while stale := list(
            model.objects.exclude(key_version=new.version).values_list("pk", flat=True)[:5000]
        ):
            model.objects.filter(pk__in=stale).delete()
    # A server that read the old key just before the commit may have written under it since (and a
    # worker may have stored a report's keys prepared under it).
    late, latest = _rebuild(new, None, keys, renamed, set())
    typed_late, typed_latest = _rebuild_typed(new, report_keys)
    reviews = _move_reviews(new, renamed)
    keys.keys.clear()
    report_keys.keys.clear()
    clusters = recluster_all()
    result = ReindexResult(
        version=new.version,
        identifiers=identifiers + caught_up + late,
        keys=rows + more + latest,
        reviews=reviews,
        typed=typed + typed_caught_up + typed_late,
        typed_keys=typed_rows + typed_more + typed_latest,
    )
    with transaction.atomic():
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action=(
                f"linking.reindex:v{result.version}:{result.identifiers}:{result.keys}"
                f":{result.typed}:{result.typed_keys}"
            ),
            object_type="linking",
            object_id=str(result.version),
        )
    carried = IdentifierKey.objects.filter(key_version=new.version, scheme__startswith=LEGACY).count()
    say(f"{result.identifiers} identifiers, {result.keys} keys, {reviews} reviews kept")
    say(f"{result.typed} identifiers typed by reporters, {result.typed_keys} keys")
    say(f"{carried} keys carried over from earlier normalisers (links they made that today's would not)")
    say(f"{clusters['clusters']} clusters")
    return result
