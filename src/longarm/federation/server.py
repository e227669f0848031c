"""Answering a partner deployment's signed requests: a private set intersection, or a "contact the partner"
message. Every refusal of a known partner is audited with the rule that refused it; a request from a key we
do not know, or not meant for us, is refused without saying why.

A private set intersection is answered in three signed exchanges, so that no web request does the heavy
work (an answer over a million identifiers takes minutes): the partner's ``psi`` request is checked and
accepted with a ticket (the run's id); the task worker computes the answer (:func:`answer_compute`); the
partner's ``answer`` requests, each signed with its own nonce and time, are told to come back until it is
ready, then given it once. The run is done only when the answer was fetched; one never fetched expires
after ``LONGARM_FEDERATION_ANSWER_TTL_SECONDS`` and its answer is deleted."""

import json
import logging
import uuid
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
from longarm.federation.exceptions import NO_FEDERATION_KEY
from longarm.federation.keyset import Sealer, federation_key_exists, offered_set
from longarm.federation.models import (
    Mode,
    Outcome,
    PartnerMessage,
    Partnership,
    PendingAnswer,
    Role,
    Run,
    SeenNonce,
)
from longarm.federation.probing import refusal_for
from longarm.federation.runs import Figures, figures_of, run_mark, run_record, seal_figures
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
# Seconds a partner is told to wait before asking again for an answer not yet computed.
RETRY_AFTER_SECONDS = 2
TOO_MANY_MESSAGES = "too_many_messages"


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
    answers_expire(now)
    if request.action in {"psi", "answer"} and not federation_key_exists():
        logger.error(
            "federation.key is missing: a partner's run was refused (`longarm federation key create`)"
        )
        return _refuse(partnership, request, NO_FEDERATION_KEY)
    if request.action == "psi":
        return _intersect(partnership, request, now)
    if request.action == "answer":
        return _fetch(partnership, request, now)
    if request.action == "message":
        return _message(partnership, request, now)
    return _refuse(partnership, request, "unknown_action")


def request_context(run: Run) -> bytes:
    return f"longarm federation run {run.public_id} request".encode()


def answer_context(run: Run) -> bytes:
    return f"longarm federation run {run.public_id} answer".encode()


def answers_expire(now: datetime) -> int:
    """Expire the runs whose answer was not fetched in time (computed or not); returns how many."""
    expired = 0
    stale = (
        PendingAnswer.objects.filter(expires_at__lt=now)
        .select_related("run", "run__partnership")
        .defer("request_ciphertext", "answer_ciphertext")
    )
    for pending in stale:
        run_mark(run=pending.run, outcome=Outcome.EXPIRED, reason="unfetched")
        expired += 1
    return expired


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
    sealer = Sealer()
    with transaction.atomic():
        # One run at a time per partnership, so that two requests cannot both pass the rate limit.
        locked = Partnership.objects.select_for_update(no_key=True).get(pk=partnership.pk)
        refusal = refusal_for(partnership=locked, role=Role.ANSWERED, size=size, now=now)
        if refusal:
            return _refuse(locked, request, refusal)
        # Our own size is filled in by the worker, which decrypts our set.
        run = run_record(
            partnership=locked,
            role=Role.ANSWERED,
            mode=asked,
            outcome=Outcome.PENDING,
            started_at=now,
            figures=Figures(ours=0, theirs=size),
        )
        PendingAnswer.objects.create(
            run=run,
            request_ciphertext=sealer.seal(psi_request, context=request_context(run)),
            expires_at=now + timedelta(seconds=settings.LONGARM_FEDERATION_ANSWER_TTL_SECONDS),
        )
    # Queued once the run is committed (whatever the backend), so the worker always finds it.
    from longarm.federation.tasks import answer_partner_run

    try:
        answer_partner_run.enqueue(str(run.public_id))
    except Exception:
        logger.exception("federation: the task queue refused a partner's run")
        run_mark(run=run, outcome=Outcome.FAILED, reason="unavailable")
        return _answer(503, request.nonce, "refused", {"reason": "unavailable"})
    return _answer(
        202, request.nonce, "accepted", {"ticket": str(run.public_id), "retry_after": RETRY_AFTER_SECONDS}
    )


def answer_compute(run_public_id: uuid.UUID) -> str:
    """The task worker's part of answering a run: decrypt our set, answer the partner's request, keep the
    answer (under the federation key) for the partner to fetch. Safe to run again: a run already answered,
    ended or expired is left alone. Returns what it did."""
    pending = (
        PendingAnswer.objects.filter(run__public_id=run_public_id, run__outcome=Outcome.PENDING)
        .select_related("run", "run__partnership")
        .first()
    )
    if pending is None or pending.answer_ciphertext:
        return "nothing to do"
    run = pending.run
    if pending.expires_at < timezone.now():
        run_mark(run=run, outcome=Outcome.EXPIRED, reason="unfetched")
        return "expired"
    sealer = Sealer()
    ours = offered_set(list(run.partnership.kinds))
    psi_request = sealer.open(bytes(pending.request_ciphertext), context=request_context(run))
    try:
        setup, response = server_answer(
            ours.elements, psi_request, reveal_intersection=run.mode == Mode.INTERSECTION
        )
    except PsiError:
        run_mark(run=run, outcome=Outcome.FAILED, reason="malformed")
        return "failed"
    answer = json.dumps({"mode": run.mode, "setup": b64(setup), "response": b64(response)}).encode()
    figures = Figures(ours=len(ours.elements), theirs=_theirs(run))
    with transaction.atomic():
        if (
            not PendingAnswer.objects.select_for_update(no_key=True)
            .filter(pk=pending.pk, answer_ciphertext=b"")
            .exists()
        ):
            return "nothing to do"
        PendingAnswer.objects.filter(pk=pending.pk).update(
            answer_ciphertext=sealer.seal(answer, context=answer_context(run))
        )
        Run.objects.filter(pk=run.pk).update(figures_ciphertext=seal_figures(run, figures, sealer))
    return "answered"


def _theirs(run: Run) -> int | None:
    figures = figures_of(run)
    return figures.theirs if figures is not None else None


def _fetch(partnership: Partnership, request: SignedRequest, now: datetime) -> Answer:
    """A partner asking for the answer of a run it started (its ticket): told to come back while the
    worker computes it, given it once it is ready, refused once the run ended."""
    try:
        ticket = uuid.UUID(str(request.payload.get("ticket")))
    except ValueError:
        return _refuse(partnership, request, "malformed")
    with transaction.atomic():
        run = (
            Run.objects.select_for_update(no_key=True)
            .filter(public_id=ticket, partnership=partnership, role=Role.ANSWERED)
            .first()
        )
        if run is None:
            return _refuse(partnership, request, "unknown_run")
        if run.outcome != Outcome.PENDING:
            return _refuse(partnership, request, "fetched" if run.outcome == Outcome.DONE else run.outcome)
        # A partner polls every few seconds: its request (up to tens of megabytes) is not read for it.
        pending = PendingAnswer.objects.defer("request_ciphertext").get(run=run)
        if not pending.answer_ciphertext:
            return _answer(200, request.nonce, "pending", {"retry_after": RETRY_AFTER_SECONDS})
        payload = json.loads(Sealer().open(bytes(pending.answer_ciphertext), context=answer_context(run)))
        run.partnership = partnership
        # Done now that the answer goes out, and deleted: it is given once.
        run_mark(run=run, outcome=Outcome.DONE)
    return _answer(200, request.nonce, "ok", payload)


def _message(partnership: Partnership, request: SignedRequest, now: datetime) -> Answer:
    try:
        sealed = unb64(request.payload.get("sealed"))
    except MalformedMessage:
        return _refuse(partnership, request, "malformed")
    if not sealed or len(sealed) > MAX_MESSAGE_BYTES:
        return _refuse(partnership, request, "malformed")
    with transaction.atomic():
        # One message at a time per partnership, so that two cannot both pass the limit.
        Partnership.objects.select_for_update(no_key=True).get(pk=partnership.pk)
        received = PartnerMessage.objects.filter(
            partnership=partnership, received_at__gt=now - timedelta(days=1)
        ).count()
        if received >= settings.LONGARM_FEDERATION_MESSAGES_PER_DAY:
            return _refuse(partnership, request, TOO_MANY_MESSAGES)
        message = PartnerMessage.objects.create(partnership=partnership, received_at=now, sealed=sealed)
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="federation.message:received",
            object_type="partner_message",
            object_id=str(message.public_id),
        )
    return _answer(200, request.nonce, "ok", {})
