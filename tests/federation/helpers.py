"""A partner deployment played by the test: its own signing key, talking to this deployment's endpoint."""

import time
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.utils import timezone

from longarm.core.keyring import current_keyring
from longarm.crypto.psi import ClientRound, client_finish, client_request
from longarm.crypto.signing import new_signing_seed, signing_public_key
from longarm.federation.models import Mode, Partnership
from longarm.federation.wire import SIGNATURE_HEADER, b64, request_build, response_open, unb64


@dataclass
class FakePartner:
    """The asking side of a partner deployment, in this process: only its signing key is its own."""

    seed: bytes = field(default_factory=new_signing_seed)

    @property
    def public_key(self) -> bytes:
        return signing_public_key(self.seed)

    def signed(
        self, action: str, payload: dict[str, Any], *, now: int | None = None
    ) -> tuple[bytes, bytes, bytes]:
        return request_build(
            signing_seed=self.seed,
            sender=self.public_key,
            recipient=current_keyring().signing_public_key,
            action=action,
            payload=payload,
            now=int(time.time()) if now is None else now,
        )

    def psi_request(
        self, elements: list[str], *, mode: str = Mode.INTERSECTION
    ) -> tuple[ClientRound, bytes, bytes, bytes]:
        state = client_request(elements, reveal_intersection=mode == Mode.INTERSECTION)
        body, signature, nonce = self.signed("psi", {"mode": mode, "request": b64(state.request)})
        return state, body, signature, nonce


def post(client: Client, action: str, body: bytes, signature: bytes) -> Any:
    return client.post(
        f"/federation/{action}",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: b64(signature)},
    )


def opened(response: Any, nonce: bytes) -> tuple[str, dict[str, Any]]:
    return response_open(
        body=response.content,
        signature=unb64(response[SIGNATURE_HEADER]),
        public_key=current_keyring().signing_public_key,
        nonce=nonce,
    )


def fetched(client: Client, partner: FakePartner, response: Any, nonce: bytes) -> tuple[str, dict[str, Any]]:
    """What a partner gets for its ``psi`` request: the answer, fetched with a signed ``answer`` request
    when the request was accepted (the task backend of the tests computes it at once), or the refusal."""
    status, payload = opened(response, nonce)
    if status != "accepted":
        return status, payload
    assert response.status_code == 202
    body, signature, answer_nonce = partner.signed("answer", {"ticket": payload["ticket"]})
    return opened(post(client, "answer", body, signature), answer_nonce)


def found(state: ClientRound, payload: dict[str, Any]) -> list[int] | int:
    return client_finish(state, unb64(payload["setup"]), unb64(payload["response"]))


def partnership_with(partner: FakePartner, **terms: Any) -> Partnership:
    now = timezone.now()
    values: dict[str, Any] = {
        "name": "Partner",
        "endpoint": "https://partner.example/federation/",
        "kinds": ["phone", "email", "wechat", "qq", "badge", "plate"],
        "mode": Mode.INTERSECTION,
        "smallest_set": 5,
        "largest_set": 1000,
        "runs_per_period": 10,
        "period_days": 7,
        "minimum_change": 0,
        **terms,
    }
    return Partnership.objects.create(public_key=partner.public_key, created_at=now, changed_at=now, **values)
