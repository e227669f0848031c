"""Asking a partner deployment: the HTTP transport of signed requests, and a private set intersection run
from our side, which is the side that learns what is in common."""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.cases.models import Identifier
from longarm.core.keyring import current_keyring
from longarm.crypto.psi import ClientRound, PsiError, client_finish, client_request
from longarm.federation.exceptions import PartnerUnreachable, RunRefused
from longarm.federation.keyset import federation_key, identifier_tag, offered_set
from longarm.federation.models import Mode, Outcome, Partnership, Role, Run
from longarm.federation.probing import refusal_for
from longarm.federation.runs import Figures, run_record
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
        if status != "ok":
            reason = str(content.get("reason", "refused"))[:24]
            record_ending(Outcome.REFUSED, reason)
            raise RunRefused(reason)
        found = _finish(state, content)
    except PartnerUnreachable:
        record_ending(Outcome.FAILED, "unreachable")
        raise
    tags: list[bytes] = []
    if isinstance(found, list):
        holder_ids = [identifier for position in found for identifier in ours.holders[position]]
        key = federation_key()
        tags = [
            identifier_tag(key, identifier)
            for identifier in Identifier.objects.filter(pk__in=holder_ids).only("public_id")
        ]
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
        tags=tags,
        actor=actor,
    )
    return RunResult(run=run, figures=figures, exchange=exchange)
