"""Answering a partner deployment's signed requests: a private set intersection, or a "contact the partner"
message. Every refusal of a known partner is audited with the rule that refused it; a request from a key we
do not know, or not meant for us, is refused without saying why."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.audit.tally import audit_count
from longarm.core.keyring import current_keyring
from longarm.crypto.psi import PsiError, request_size, server_answer
from longarm.federation.keyset import offered_set
from longarm.federation.models import Mode, Outcome, PartnerMessage, Partnership, Role, SeenNonce
from longarm.federation.probing import refusal_for
from longarm.federation.runs import Figures, run_mark_failed, run_record
from longarm.federation.wire import (
    MalformedMessage,
    SignedRequest,
    b64,
    request_parse,
    request_verified,
    response_build,
    unb64,
)

logger = logging.getLogger(__name__)

# The most a sealed "contact the partner" message may weigh: it names one identifier.
MAX_MESSAGE_BYTES = 4096


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes
    signature: bytes


def _answer(status_code: int, nonce: bytes, status: str, payload: dict[str, object]) -> Answer:
    keyring = current_keyring()
    body, signature = response_build(
        signing_seed=keyring.signing_seed,
        sender=keyring.signing_public_key,
        nonce=nonce,
        status=status,
        payload=payload,
    )
    return Answer(status_code, body, signature)


# The answer to a request from a key we do not know, not meant for us, or not signed by the partner it
# names: the same bare 403 for each, unsigned, so that nobody learns which keys are our partners, nor our
# own key, and nothing is written to the audit chain for it (a tally counts them).
_NOT_FOR_US = Answer(403, b"", b"")


def _refuse(partnership: Partnership, request: SignedRequest, code: str) -> Answer:
    audit_append(
        actor=None,
        actor_kind=ActorKind.SYSTEM,
        action=f"federation.refused:{request.action[:12]}:{code}",
        object_type="partnership",
        object_id=str(partnership.public_id),
    )
    return _answer(403, request.nonce, "refused", {"reason": code})


def _not_for_us() -> Answer:
    audit_count(action="federation.request", outcome="refused")
    return _NOT_FOR_US


def _fresh(request: SignedRequest, now: datetime) -> bool:
    skew = timedelta(seconds=settings.LONGARM_FEDERATION_CLOCK_SKEW_SECONDS)
    sent = datetime.fromtimestamp(request.timestamp, tz=UTC)
    return now - skew <= sent <= now + skew


def _remember_nonce(partnership: Partnership, request: SignedRequest, now: datetime) -> bool:
    """Record the nonce; False when it was seen (a replay). Nonces older than the skew are dropped."""
    skew = timedelta(seconds=settings.LONGARM_FEDERATION_CLOCK_SKEW_SECONDS)
    SeenNonce.objects.filter(seen_at__lt=now - 2 * skew).delete()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(partnership=partnership, nonce=request.nonce, seen_at=now)
    except IntegrityError:
        return False
    return True


def handle_request(body: bytes, signature: bytes) -> Answer:
    """Verify a partner's signed request and answer it (see the module docstring)."""
    try:
        request = request_parse(body)
    except MalformedMessage:
        return Answer(400, b"", b"")
    now = timezone.now()
    keyring = current_keyring()
    partnership = Partnership.objects.filter(public_key=request.sender, active=True).first()
    if (
        partnership is None
        or request.recipient != keyring.signing_public_key
        or not request_verified(request, body, signature, bytes(partnership.public_key))
    ):
        logger.warning("federation request refused: unknown sender, another recipient or a bad signature")
        return _not_for_us()
    if not _fresh(request, now):
        return _refuse(partnership, request, "stale")
    if not _remember_nonce(partnership, request, now):
        return _refuse(partnership, request, "replayed")
    if request.action == "psi":
        return _intersect(partnership, request, now)
    if request.action == "message":
        return _message(partnership, request, now)
    return _refuse(partnership, request, "unknown_action")


def _intersect(partnership: Partnership, request: SignedRequest, now: datetime) -> Answer:
    try:
        psi_request = unb64(request.payload.get("request"))
        size = request_size(psi_request)
    except (MalformedMessage, PsiError):
        return _refuse(partnership, request, "malformed")
    asked = request.payload.get("mode")
    if asked not in Mode.values:
        return _refuse(partnership, request, "malformed")
    # The partnership's mode is ours to enforce: a partner asking for more than the size is refused.
    if asked == Mode.INTERSECTION and partnership.mode == Mode.CARDINALITY:
        return _refuse(partnership, request, "mode")
    # Checked before our set is decrypted, so that a refused request costs us nothing; again under the lock.
    refusal = refusal_for(partnership=partnership, role=Role.ANSWERED, size=size, now=now)
    if refusal:
        return _refuse(partnership, request, refusal)
    ours = offered_set(list(partnership.kinds))
    with transaction.atomic():
        # One run at a time per partnership, so that two requests cannot both pass the rate limit.
        locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
        refusal = refusal_for(partnership=locked, role=Role.ANSWERED, size=size, now=now)
        if refusal:
            return _refuse(locked, request, refusal)
        run = run_record(
            partnership=locked,
            role=Role.ANSWERED,
            mode=asked,
            outcome=Outcome.DONE,
            started_at=now,
            figures=Figures(ours=len(ours.elements), theirs=size),
        )
    try:
        setup, response = server_answer(
            ours.elements, psi_request, reveal_intersection=asked == Mode.INTERSECTION
        )
    except PsiError:
        run_mark_failed(run=run, reason="malformed")
        return _refuse(partnership, request, "malformed")
    return _answer(200, request.nonce, "ok", {"mode": asked, "setup": b64(setup), "response": b64(response)})


def _message(partnership: Partnership, request: SignedRequest, now: datetime) -> Answer:
    try:
        sealed = unb64(request.payload.get("sealed"))
    except MalformedMessage:
        return _refuse(partnership, request, "malformed")
    if not sealed or len(sealed) > MAX_MESSAGE_BYTES:
        return _refuse(partnership, request, "malformed")
    with transaction.atomic():
        message = PartnerMessage.objects.create(partnership=partnership, received_at=now, sealed=sealed)
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="federation.message:received",
            object_type="partner_message",
            object_id=str(message.public_id),
        )
    return _answer(200, request.nonce, "ok", {})
