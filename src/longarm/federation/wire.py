"""The signed messages deployments exchange: a JSON body and its Ed25519 signature in a header.

A request names its sender's and its recipient's public keys, a fresh 16-byte nonce and the sender's clock;
the recipient answers only a request from a partner it knows, signed by that partner, meant for itself,
dated within the accepted skew and with a nonce it has not seen (:mod:`longarm.federation.server`). The
answer is signed by the recipient and names the request's nonce, so the sender knows who answered which
request. Both directions are authenticated by the keys the administrators exchanged out of band."""

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from typing import Any

from longarm.crypto.federation import (
    request_signed_by,
    response_signed_by,
    sign_request,
    sign_response,
)

SIGNATURE_HEADER = "X-Longarm-Signature"
NONCE_BYTES = 16
VERSION = 1
# A request is small except for its blinded elements (35 bytes each, base64 on the wire).
MAX_BODY_BYTES = 80 * 1024 * 1024


class MalformedMessage(ValueError):
    """A body or signature that is not one of ours."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise MalformedMessage("expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise MalformedMessage("expected base64 text") from None


def _encode(content: dict[str, Any]) -> bytes:
    return json.dumps(content, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class SignedRequest:
    sender: bytes
    recipient: bytes
    nonce: bytes
    timestamp: int
    action: str
    payload: dict[str, Any]


def request_build(
    *, signing_seed: bytes, sender: bytes, recipient: bytes, action: str, payload: dict[str, Any], now: int
) -> tuple[bytes, bytes, bytes]:
    """A signed request: returns the body, its signature and the nonce the answer must name."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = _encode(
        {
            "v": VERSION,
            "from": b64(sender),
            "to": b64(recipient),
            "nonce": b64(nonce),
            "timestamp": now,
            "action": action,
            "payload": payload,
        }
    )
    return body, sign_request(signing_seed, body), nonce


# Our messages are one object of a few fields whose bulk is one base64 string: a body with more nesting or
# more members than that is not one of ours, and is refused before it is parsed (before anyone is known), so
# that an anonymous body of a million tiny arrays cannot take gigabytes of memory to read.
_MAX_CONTAINERS = 16
_MAX_MEMBERS = 64
# Seconds since 1970 up to the year 2100: enough for a clock, and never an overflow in datetime.
_MAX_TIMESTAMP = 4_102_444_800


def _loads(body: bytes) -> Any:
    if body.count(b"{") + body.count(b"[") > _MAX_CONTAINERS or body.count(b",") > _MAX_MEMBERS:
        raise MalformedMessage("not one of our messages")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedMessage("not JSON") from None


def request_parse(body: bytes) -> SignedRequest:
    """The fields of a request body, not yet verified. Raises ``MalformedMessage``."""
    content = _loads(body)
    if not isinstance(content, dict) or content.get("v") != VERSION:
        raise MalformedMessage("not a version 1 request")
    timestamp, action, payload = content.get("timestamp"), content.get("action"), content.get("payload")
    if not isinstance(timestamp, int) or not isinstance(action, str) or not isinstance(payload, dict):
        raise MalformedMessage("missing fields")
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise MalformedMessage("not a time")
    nonce = unb64(content.get("nonce"))
    if len(nonce) != NONCE_BYTES:
        raise MalformedMessage("bad nonce")
    return SignedRequest(
        sender=unb64(content.get("from")),
        recipient=unb64(content.get("to")),
        nonce=nonce,
        timestamp=timestamp,
        action=action,
        payload=payload,
    )


def request_verified(request: SignedRequest, body: bytes, signature: bytes, public_key: bytes) -> bool:
    return request.sender == public_key and request_signed_by(public_key, body, signature)


def response_build(
    *, signing_seed: bytes, sender: bytes, nonce: bytes, status: str, payload: dict[str, Any]
) -> tuple[bytes, bytes]:
    """A signed answer to the request of ``nonce``: returns the body and its signature."""
    body = _encode(
        {"v": VERSION, "from": b64(sender), "in_reply_to": b64(nonce), "status": status, "payload": payload}
    )
    return body, sign_response(signing_seed, body)


def response_open(
    *, body: bytes, signature: bytes, public_key: bytes, nonce: bytes
) -> tuple[str, dict[str, Any]]:
    """The status and payload of a partner's signed answer to the request of ``nonce``.

    Raises ``MalformedMessage`` when it is not signed by ``public_key`` or answers another request.
    """
    if not response_signed_by(public_key, body, signature):
        raise MalformedMessage("the answer is not signed by the partner")
    content = _loads(body)
    if not isinstance(content, dict) or content.get("v") != VERSION:
        raise MalformedMessage("not a version 1 answer")
    if unb64(content.get("in_reply_to")) != nonce or unb64(content.get("from")) != public_key:
        raise MalformedMessage("the answer is for another request")
    status, payload = content.get("status"), content.get("payload")
    if not isinstance(status, str) or not isinstance(payload, dict):
        raise MalformedMessage("missing fields")
    return status, payload
