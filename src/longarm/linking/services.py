"""Writes of the linking app: match keys stored with every identifier, the hooks that keep them in step with
identifiers and cases, caseworkers' decisions on suggested links, requests for access to linked cases, and
the limits and alerts that stop a staff member probing for values in cases they do not hold. Every write runs
in one transaction with its audit event; no value is ever logged or stored in clear."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from longarm.accounts.models import CONTENT_ROLES, StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.keys import has_case_key
from longarm.cases.models import Case, CaseKeyKind, Identifier
from longarm.cases.services import case_grant
from longarm.core.throttle import Limit, hashed_key, is_exceeded, record_failure
from longarm.federation.keyset import offered_keys_store
from longarm.linking.clusters import clusters_update
from longarm.linking.exceptions import (
    AlreadyDecided,
    IdentifierLimitReached,
    IdentifierRefused,
    NotLinked,
    RequestNotAllowed,
)
from longarm.linking.index import (
    case_region,
    current_linking_key,
    indexed_keys,
    key_rows,
    primary_index,
)
from longarm.linking.keys import STRONG_KINDS
from longarm.linking.models import (
    AccessRequest,
    ClusterMembership,
    Decision,
    IdentifierKey,
    LinkReview,
    RequestStatus,
)
from longarm.linking.selectors import hidden_linked_cases


def _audit(actor: StaffUser | None, action: str, case: Case) -> None:
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF if actor else ActorKind.SYSTEM,
        action=action,
        object_type="case",
        object_id=str(case.public_id),
    )


@transaction.atomic
def identifier_check_new(*, case: Case, kind: str, value: str) -> None:
    """Refuse (``IdentifierRefused``) an identifier ``case`` should not get: one in which nothing can be
    matched (no digits in a "phone number", an e-mail address without its @), which would sit in the case
    and its dossier linking nothing, and a number or account the case already holds however it is written
    (its blind index, never the value in clear, compared with the case's own)."""
    if kind == "email":
        try:
            validate_email(value.strip())
        except ValidationError as error:
            raise IdentifierRefused(_("Enter a valid email address.")) from error
    key = current_linking_key()
    keys = indexed_keys(kind=kind, value=value, region=case_region(case), key=key)
    if not keys:
        raise IdentifierRefused(
            _("Nothing in this value can be matched: check that it is written as its kind says.")
        )
    # A number or an account is one thing whoever it belongs to; two people of a case may share a name.
    held = case.identifiers.filter(kind=kind, blind_index=primary_index(kind=kind, keys=keys, key=key))
    if kind in STRONG_KINDS and held.exists():
        raise IdentifierRefused(_("The case already holds this identifier."))


def identifier_keys_store(*, identifier: Identifier, value: str) -> list[IdentifierKey]:
    """Index a just-saved identifier: its blind index and one row per match key, under the current linking
    key; then the clusters of its case are updated. Called in ``identifier_add``'s transaction, which audits.
    Returns the stored keys."""
    key = current_linking_key()
    region = case_region(identifier.case)
    keys = indexed_keys(kind=identifier.kind, value=value, region=region, key=key)
    identifier.blind_index = primary_index(kind=identifier.kind, keys=keys, key=key)
    identifier.save(update_fields=["blind_index"])
    IdentifierKey.objects.filter(identifier=identifier).delete()
    rows = IdentifierKey.objects.bulk_create(key_rows(identifier=identifier, keys=keys, version=key.version))
    # The canonical strong keys a partner deployment may meet in a private set intersection (issue 19).
    offered_keys_store(identifier=identifier, value=value, region=region)
    clusters_update([identifier.case_id])
    return rows


# What an administrator is shown (audit actions starting with "alert.", see longarm.audit.alerts).
ALERT_IDENTIFIER_LIMIT = "alert.identifier_limit"
ALERT_PROBING = "alert.linking_probe"


@dataclass(frozen=True)
class _Period:
    name: str
    window: timedelta


_HOUR = _Period("hour", timedelta(hours=1))
_DAY = _Period("day", timedelta(days=1))


def _staff_key(actor: StaffUser) -> str:
    # Keyed by a keyed hash of the staff member's id: the counters name no one, and never hold a value.
    return hashed_key("linking.staff", str(actor.pk))


def _creation_limits(actor: StaffUser) -> list[tuple[_Period, Limit]]:
    key = _staff_key(actor)
    return [
        (_HOUR, Limit("identifier.hour", key, settings.LONGARM_IDENTIFIERS_PER_HOUR, _HOUR.window)),
        (_DAY, Limit("identifier.day", key, settings.LONGARM_IDENTIFIERS_PER_DAY, _DAY.window)),
    ]


def _first_in_window(scope: str, actor: StaffUser, window: timedelta) -> bool:
    """Count one occurrence of ``scope`` for ``actor`` in the current window; whether it is the first, so
    that an alert is written once per window and never once per request."""
    once = Limit(scope, _staff_key(actor), 1, window)
    first = not is_exceeded(once)
    record_failure(once)
    return first


def identifier_quota_take(*, actor: StaffUser, case: Case) -> None:
    """Count one identifier ``actor`` is about to add to ``case``, against a limit per hour and per day
    (``LONGARM_IDENTIFIERS_PER_HOUR``/``_PER_DAY``). Raises ``IdentifierLimitReached`` when one is used
    up; the refusal is counted and, the first time in the window, alerted — in a transaction of its own,
    so that it stays recorded although the caller's work is abandoned."""
    refused: tuple[_Period, Limit] | None = None
    with transaction.atomic():
        limits = _creation_limits(actor)
        refused = next(((period, limit) for period, limit in limits if is_exceeded(limit)), None)
        if refused is None:
            for _period, limit in limits:
                record_failure(limit)
        elif _first_in_window(f"identifier.{refused[0].name}.refused", actor, refused[0].window):
            _audit(actor, f"{ALERT_IDENTIFIER_LIMIT}:{refused[0].name}", case)
    if refused is not None:
        raise IdentifierLimitReached(period=refused[0].name, maximum=refused[1].maximum)


def identifier_matches_record(*, actor: StaffUser, identifier: Identifier) -> int:
    """After ``actor`` added ``identifier`` (in that transaction): if it links to cases they do not hold
    and will be counted to them, audit it on the identifier's case and count it; on the
    ``LONGARM_LINKING_PROBE_ALERT``-th such identifier of the day, alert administrators (once a day).
    Returns how many hidden cases it reached."""
    hidden = hidden_linked_cases(identifier=identifier, user=actor)
    if not hidden:
        return 0
    _audit(actor, "link.hidden_match", identifier.case)
    limit = Limit(
        "linking.hidden_match", _staff_key(actor), settings.LONGARM_LINKING_PROBE_ALERT, _DAY.window
    )
    before = is_exceeded(limit)
    record_failure(limit)
    if not before and is_exceeded(limit):
        _audit(actor, ALERT_PROBING, identifier.case)
    return len(hidden)


def identifier_keys_removed(*, case: Case) -> None:
    """After an identifier of ``case`` was deleted (its keys went with it, by cascade): its cluster may
    have split."""
    clusters_update([case.pk])


def linked_cases(case_ids: set[int]) -> set[int]:
    """Cases sharing any key with ``case_ids`` (outside them)."""
    indexes = IdentifierKey.objects.filter(case_id__in=case_ids).values("blind_index")
    return set(
        IdentifierKey.objects.filter(blind_index__in=indexes)
        .exclude(case_id__in=case_ids)
        .values_list("case_id", flat=True)
    )


def case_merged(*, source: Case, target: Case) -> None:
    """Move ``source``'s linking records to ``target`` before ``source`` is deleted by a merge (in its
    transaction): keys follow their identifiers, reviews and requests follow the case, and a review or
    request that would now be about ``target`` and itself is dropped."""
    IdentifierKey.objects.filter(case=source).update(case=target)
    for review in LinkReview.objects.filter(low=source) | LinkReview.objects.filter(high=source):
        other = review.high_id if review.low_id == source.pk else review.low_id
        review_exists = LinkReview.objects.filter(
            low_id=min(other, target.pk), high_id=max(other, target.pk), blind_index=review.blind_index
        ).exists()
        if other == target.pk or review_exists:
            review.delete()
            continue
        review.low_id, review.high_id = min(other, target.pk), max(other, target.pk)
        review.save(update_fields=["low", "high"])
    AccessRequest.objects.filter(because_of=source).update(because_of=target)
    for request in AccessRequest.objects.filter(case=source):
        pending = AccessRequest.objects.filter(
            case=target, requester_id=request.requester_id, status=RequestStatus.PENDING
        )
        if request.status == RequestStatus.PENDING and pending.exists():
            request.delete()
        else:
            request.case = target
            request.save(update_fields=["case"])
    AccessRequest.objects.filter(case=target, because_of=target).delete()
    ClusterMembership.objects.filter(case=source).delete()
    clusters_update([target.pk])


def case_removed(*, neighbours: set[int]) -> None:
    """After a case was deleted (shredded): the clusters it was in may have split."""
    if neighbours:
        clusters_update(neighbours)


def _shared_indexes(identifier: Identifier, other: Case) -> list[tuple[bytes, int]]:
    version = current_linking_key().version
    mine = IdentifierKey.objects.filter(identifier=identifier, key_version=version).values("blind_index")
    return [
        (bytes(index), key_version)
        for index, key_version in IdentifierKey.objects.filter(
            case=other, blind_index__in=mine, key_version=version
        )
        .values_list("blind_index", "key_version")
        .distinct()
    ]


@transaction.atomic
def link_review(
    *, actor: StaffUser, identifier: Identifier, other: Case, decision: Decision
) -> list[LinkReview]:
    """Confirm or reject the link between ``identifier``'s case and ``other`` on the keys they share; the
    actor holds both cases (the callers' selectors check). Returns the reviews; raises ``NotLinked`` when
    they share no key. Clusters of both cases are updated: a confirmed weak link joins them, a rejected
    link never does."""
    shared = _shared_indexes(identifier, other)
    if not shared or other.pk == identifier.case_id:
        raise NotLinked
    low, high = min(identifier.case_id, other.pk), max(identifier.case_id, other.pk)
    reviews = []
    for index, version in shared:
        review, _ = LinkReview.objects.update_or_create(
            low_id=low,
            high_id=high,
            blind_index=index,
            defaults={
                "key_version": version,
                "decision": decision,
                "decided_by": actor,
                "decided_at": timezone.now(),
            },
        )
        reviews.append(review)
    for case in (identifier.case, other):
        _audit(actor, f"link.{decision}:{identifier.kind}", case)
    clusters_update([low, high])
    return reviews


@transaction.atomic
def access_request_create(*, actor: StaffUser, identifier: Identifier) -> list[AccessRequest]:
    """Ask for every case linked to ``identifier`` (of a case ``actor`` holds) that ``actor`` does not hold
    and may be told of (:func:`~longarm.linking.selectors.hidden_linked_cases`: a strong or confirmed link,
    never an unconfirmed name match). Returns the new requests (none already pending are repeated); raises
    ``RequestNotAllowed`` when there is nothing to ask for."""
    if actor.role not in CONTENT_ROLES:
        raise RequestNotAllowed
    targets = hidden_linked_cases(identifier=identifier, user=actor)
    pending = set(
        AccessRequest.objects.filter(
            case_id__in=targets, requester=actor, status=RequestStatus.PENDING
        ).values_list("case_id", flat=True)
    )
    wanted = sorted(targets - pending)
    if not wanted and not pending:
        raise RequestNotAllowed
    now = timezone.now()
    created = AccessRequest.objects.bulk_create(
        AccessRequest(case_id=case_id, requester=actor, because_of=identifier.case, created_at=now)
        for case_id in wanted
    )
    for case in Case.objects.filter(pk__in=wanted):
        _audit(actor, "access_request.create", case)
    return created


@transaction.atomic
def access_request_decide(
    *, actor: StaffUser, private_key: bytes, request: AccessRequest, grant: bool
) -> AccessRequest:
    """Grant (re-seal the case to the requester with ``case_grant``) or decline a pending request; the
    actor holds the case. Raises ``AlreadyDecided``, and what ``case_grant`` raises (``NotAllowed`` for a
    requester who may no longer read content, ``NoAccess``)."""
    request = AccessRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise AlreadyDecided
    if not has_case_key(case=request.case, kind=CaseKeyKind.DATA, staff=actor):
        raise RequestNotAllowed
    if grant:
        case_grant(actor=actor, private_key=private_key, case=request.case, grantee=request.requester)
    request.status = RequestStatus.GRANTED if grant else RequestStatus.DECLINED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(actor, f"access_request.{request.status}:{request.requester_id}", request.case)
    return request


@transaction.atomic
def cluster_record_read(*, actor: StaffUser, case: Case, value_shown: bool) -> None:
    """Audit that ``actor`` viewed the cluster of ``case`` (and, if ``value_shown``, read the shared
    identifier's value from a case they hold)."""
    _audit(actor, "cluster.read:value" if value_shown else "cluster.read", case)


@transaction.atomic
def cluster_record_export(*, actor: StaffUser, case: Case, rows: int) -> None:
    """Audit that ``actor`` exported the coded fields of the ``rows`` cases of ``case``'s cluster."""
    _audit(actor, f"cluster.export:{rows}", case)
