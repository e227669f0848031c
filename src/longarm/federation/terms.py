"""The terms of a partnership, as an administrator proposes them: checked once when proposed and again
when approved."""

import base64
import binascii
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from longarm.federation.exceptions import TermsRefused
from longarm.federation.keyset import OFFERABLE_SCHEMES
from longarm.federation.models import Mode, Partnership, PartnershipChange

PUBLIC_KEY_BYTES = 32
# The defaults and bounds of a partnership's set sizes (threat model §5.8). ``largest_set`` bounds how many
# guessed values a dishonest partner can test per run, so its default is an NGO's size, not a national
# centre's; the ceiling is what one request may carry on the wire (48 bytes per element within
# ``wire.MAX_BODY_BYTES``), rounded down.
DEFAULT_SMALLEST_SET = 100
DEFAULT_LARGEST_SET = 10_000
LARGEST_SET_CEILING = 1_000_000


@dataclass(frozen=True)
class Terms:
    name: str
    public_key: str  # base64 of the partner's Ed25519 signing public key (`longarm keyring public-key`)
    endpoint: str
    kinds: list[str]
    mode: str = Mode.CARDINALITY
    smallest_set: int = DEFAULT_SMALLEST_SET
    largest_set: int = DEFAULT_LARGEST_SET
    runs_per_period: int = 1
    period_days: int = 7
    minimum_change: int = 10
    active: bool = True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> "Terms":
        return cls(**stored)

    @classmethod
    def of(cls, partnership: Partnership) -> "Terms":
        return cls(
            name=partnership.name,
            public_key=base64.b64encode(bytes(partnership.public_key)).decode(),
            endpoint=partnership.endpoint,
            kinds=list(partnership.kinds),
            mode=partnership.mode,
            smallest_set=partnership.smallest_set,
            largest_set=partnership.largest_set,
            runs_per_period=partnership.runs_per_period,
            period_days=partnership.period_days,
            minimum_change=partnership.minimum_change,
            active=partnership.active,
        )


def public_key_bytes(text: str) -> bytes:
    """The 32 bytes of a base64 (or hexadecimal) public key; raises ``TermsRefused``."""
    text = text.strip()
    try:
        key = (
            bytes.fromhex(text)
            if len(text) == 2 * PUBLIC_KEY_BYTES
            else base64.b64decode(text, validate=True)
        )
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != PUBLIC_KEY_BYTES:
        raise TermsRefused(
            _("Give the partner's signing public key (32 bytes, base64 or hex)."), field="public_key"
        )
    return key


def check_endpoint(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and (host.endswith(".onion") or settings.LONGARM_FEDERATION_ALLOW_PLAIN_HTTP):
        return
    raise TermsRefused(_("The endpoint must be an https:// address or an onion address."), field="endpoint")


def check_terms(terms: Terms, *, partnership: Partnership | None) -> bytes:
    """Refuse terms that cannot be made (``TermsRefused``); returns the partner's public key bytes."""
    if not terms.name.strip() or len(terms.name) > 100:
        raise TermsRefused(_("Name the partner (at most 100 characters)."), field="name")
    key = public_key_bytes(terms.public_key)
    others = Partnership.objects.exclude(pk=partnership.pk) if partnership else Partnership.objects.all()
    if others.filter(name=terms.name.strip()).exists():
        raise TermsRefused(_("Another partner has that name."), field="name")
    if others.filter(public_key=key).exists():
        raise TermsRefused(_("Another partner has that public key."), field="public_key")
    check_endpoint(terms.endpoint)
    if not terms.kinds or any(kind not in OFFERABLE_SCHEMES for kind in terms.kinds):
        raise TermsRefused(_("Choose the kinds of identifier the partnership covers."), field="kinds")
    if terms.mode not in Mode.values:
        raise TermsRefused(_("Choose what a run reveals."), field="mode")
    if terms.smallest_set < 1 or terms.largest_set < terms.smallest_set:
        raise TermsRefused(_("The largest set must be at least the smallest."), field="largest_set")
    if terms.largest_set > LARGEST_SET_CEILING:
        raise TermsRefused(
            _("The largest set can be at most %(ceiling)s identifiers.") % {"ceiling": LARGEST_SET_CEILING},
            field="largest_set",
        )
    if terms.runs_per_period < 1 or terms.period_days < 1:
        raise TermsRefused(_("Allow at least one run per period of at least a day."), field="runs_per_period")
    return key


def change_digest(change: PartnershipChange) -> str:
    """What an approver saw: a digest of the proposed terms and of the partnership's terms as they stand.
    An approval names it, so that it makes exactly the change that was shown, against exactly the terms it
    was shown beside (:func:`partnership_approve`)."""
    current = Terms.of(change.partnership).as_json() if change.partnership is not None else None
    shown = json.dumps({"proposed": change.terms, "current": current}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(shown.encode()).hexdigest()
