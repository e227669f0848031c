"""Asking a partner deployment: the HTTP transport of signed requests, and a private set intersection run
from our side, which is the side that learns what is in common."""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.cases.models import Identifier
from longarm.core.keyring import current_keyring
from longarm.crypto.psi import ClientRound, PsiError, client_finish, client_request
from longarm.federation.exceptions import NO_FEDERATION_KEY, PartnerUnreachable, RunRefused
from longarm.federation.keyset import OfferedSet, federation_key_exists, offered_set
from longarm.federation.models import Mode, Outcome, Partnership, Role, Run
from longarm.federation.probing import refusal_for
from longarm.federation.runs import Figures, element_digest, run_record
from longarm.federation.wire import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    MalformedMessage,
    b64,
    request_build,
    response_open,
    unb64,
)


@dataclass(frozen=True)
class Exchange:
    """What one request cost on the wire, for the benchmark and the run's report."""

    sent_bytes: int
    received_bytes: int


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A partner answers where the partnership says, or not at all: a redirect (to another host, to plain
    http, to a clearnet name for an onion) is not followed."""

    def redirect_request(self, *_arguments: Any, **_options: Any) -> None:
        return None


def _opener(endpoint: str) -> urllib.request.OpenerDirector:
    host = urlsplit(endpoint).hostname or ""
    proxy = settings.LONGARM_FEDERATION_ONION_PROXY
    if host.endswith(".onion"):
        if not proxy:
            raise PartnerUnreachable("an onion endpoint needs LONGARM_FEDERATION_ONION_PROXY")
        return urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": proxy, "https": proxy}), _NoRedirects()
        )
    # No proxy from the environment: a request between deployments goes where the partnership says.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def send(
    *, partnership: Partnership, action: str, payload: dict[str, Any]
) -> tuple[str, dict[str, Any], Exchange]:
    """Sign and send one request to the partner and open its signed answer; returns its status
    ("ok" or "refused"), its payload and the bytes exchanged.

    Raises ``PartnerUnreachable`` when the partner does not answer with a body it signed for this request.
    """
    keyring = current_keyring()
    body, signature, nonce = request_build(
        signing_seed=keyring.signing_seed,
        sender=keyring.signing_public_key,
        recipient=bytes(partnership.public_key),
        action=action,
        payload=payload,
        now=int(time.time()),
    )
    url = partnership.endpoint.rstrip("/") + "/" + action
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked when the partnership is made
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: b64(signature)},
    )
    try:
        with _opener(url).open(request, timeout=settings.LONGARM_FEDERATION_TIMEOUT_SECONDS) as reply:
            answer, answer_signature = reply.read(MAX_BODY_BYTES + 1), reply.headers.get(SIGNATURE_HEADER, "")
    except urllib.error.HTTPError as error:
        answer, answer_signature = error.read(MAX_BODY_BYTES + 1), error.headers.get(SIGNATURE_HEADER, "")
        if error.code == 403 and not answer:
            # The partner's bare refusal: it does not know our key (or not as active), and says no more.
            return "refused", {"reason": "refused"}, Exchange(sent_bytes=len(body), received_bytes=0)
    except (urllib.error.URLError, OSError) as error:
        raise PartnerUnreachable(f"the partner did not answer: {type(error).__name__}") from error
    try:
        status, content = response_open(
            body=answer,
            signature=unb64(answer_signature),
            public_key=bytes(partnership.public_key),
            nonce=nonce,
        )
    except MalformedMessage as error:
        raise PartnerUnreachable("the partner's answer is not signed for this request") from error
    return status, content, Exchange(sent_bytes=len(body), received_bytes=len(answer))


# How long to wait before the first request for an answer (a small set is answered at once), and the bounds
# of what a partner may tell us to wait between two.
_FIRST_WAIT_SECONDS = 0.2
_SHORTEST_WAIT_SECONDS = 0.2
_LONGEST_WAIT_SECONDS = 10.0


def _waited(content: dict[str, Any]) -> float:
    try:
        wanted = float(content.get("retry_after", _LONGEST_WAIT_SECONDS))
    except (TypeError, ValueError):
        wanted = _LONGEST_WAIT_SECONDS
    return min(max(wanted, _SHORTEST_WAIT_SECONDS), _LONGEST_WAIT_SECONDS)


def _answer_fetch(
    *, partnership: Partnership, content: dict[str, Any], exchange: Exchange
) -> tuple[str, dict[str, Any], Exchange]:
    """Ask for the answer of an accepted run (its ticket) until the partner gives it, refuses, or
    ``LONGARM_FEDERATION_TIMEOUT_SECONDS`` have passed (``PartnerUnreachable``). Each request is signed
    afresh, with its own nonce and time."""
    ticket = content.get("ticket")
    if not isinstance(ticket, str) or len(ticket) > 64:
        raise PartnerUnreachable("the partner accepted the run without a ticket")
    deadline = time.monotonic() + settings.LONGARM_FEDERATION_TIMEOUT_SECONDS
    wait = _FIRST_WAIT_SECONDS
    sent, received = exchange.sent_bytes, exchange.received_bytes
    while True:
        if time.monotonic() + wait > deadline:
            raise PartnerUnreachable("the partner's answer did not come in time")
        time.sleep(wait)
        status, content, step = send(partnership=partnership, action="answer", payload={"ticket": ticket})
        sent, received = sent + step.sent_bytes, received + step.received_bytes
        if status != "pending":
            return status, content, Exchange(sent_bytes=sent, received_bytes=received)
        wait = _waited(content)


# Within SQLite's oldest limit on the parameters of one query.
_PUBLIC_IDS_BATCH = 900


def _found(ours: OfferedSet, positions: list[int]) -> dict[str, list[str]]:
    """Our identifiers (by public id) holding the elements at ``positions``, each with the digests of its
    elements that were found: a contact message names those keys and no other of the identifier's."""
    found: dict[int, list[str]] = {}
    for position in positions:
        digest = element_digest(ours.elements[position])
        for identifier in ours.holders[position]:
            found.setdefault(identifier, []).append(digest)
    holders = list(found)
    public_ids: dict[int, UUID] = {}
    for start in range(0, len(holders), _PUBLIC_IDS_BATCH):
        batch = holders[start : start + _PUBLIC_IDS_BATCH]
        public_ids.update(Identifier.objects.filter(pk__in=batch).values_list("pk", "public_id"))
    return {str(public_ids[pk]): digests for pk, digests in found.items() if pk in public_ids}


@dataclass(frozen=True)
class RunResult:
    run: Run
    figures: Figures
    exchange: Exchange


def _finish(state: ClientRound, content: dict[str, Any]) -> list[int] | int:
    mode = content.get("mode")
    try:
        setup, response = unb64(content.get("setup")), unb64(content.get("response"))
        if mode != (Mode.INTERSECTION if state.reveal_intersection else Mode.CARDINALITY):
            raise PsiError("the partner answered in another mode")
        return client_finish(state, setup, response)
    except (MalformedMessage, PsiError) as error:
        raise PartnerUnreachable("the partner's answer does not fit our request") from error


def federation_run(*, partnership: Partnership, actor: StaffUser | None) -> RunResult:
    """Run a private set intersection with ``partnership`` as the asking side and store what we learnt.

    Returns the stored run, its figures and the bytes exchanged. Raises ``RunRefused`` (with the rule)
    when our own limits or the partner refuse it, and ``PartnerUnreachable`` when the partner cannot be
    reached or its answer cannot be used; every outcome is stored and audited.
    """
    now = timezone.now()
    mode = partnership.mode
    if not partnership.active:
        raise RunRefused("inactive")
    if not federation_key_exists():
        raise RunRefused(NO_FEDERATION_KEY)

    def record_ending(outcome: Outcome, refusal: str) -> None:
        run_record(
            partnership=partnership,
            role=Role.ASKED,
            mode=mode,
            outcome=outcome,
            started_at=now,
            refusal=refusal,
            actor=actor,
        )

    ours = offered_set(list(partnership.kinds))
    refusal = refusal_for(partnership=partnership, role=Role.ASKED, size=len(ours.elements), now=now)
    if refusal:
        record_ending(Outcome.REFUSED, refusal)
        raise RunRefused(refusal)
    state = client_request(ours.elements, reveal_intersection=mode == Mode.INTERSECTION)
    try:
        status, content, exchange = send(
            partnership=partnership, action="psi", payload={"mode": mode, "request": b64(state.request)}
        )
        if status == "accepted":
            status, content, exchange = _answer_fetch(
                partnership=partnership, content=content, exchange=exchange
            )
        if status != "ok":
            reason = str(content.get("reason", "refused"))[:24]
            record_ending(Outcome.REFUSED, reason)
            raise RunRefused(reason)
        found = _finish(state, content)
    except PartnerUnreachable:
        record_ending(Outcome.FAILED, "unreachable")
        raise
    in_common: dict[str, list[str]] | None = None
    if isinstance(found, list):
        in_common = _found(ours, found)
        common = len(found)
    else:
        common = found
    figures = Figures(ours=len(ours.elements), common=common)
    run = run_record(
        partnership=partnership,
        role=Role.ASKED,
        mode=mode,
        outcome=Outcome.DONE,
        started_at=now,
        figures=figures,
        found=in_common,
        actor=actor,
    )
    return RunResult(run=run, figures=figures, exchange=exchange)
