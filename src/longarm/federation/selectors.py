"""Reads of federated linking: which partners also know an identifier (for the case page, whose reader
holds the case), the partnerships and waiting changes (for administrators), and partners' messages."""

import base64
import binascii
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Max
from django.utils.translation import gettext as _

from longarm.cases.models import Identifier, IdentifierKind
from longarm.core.keyring import current_keyring
from longarm.crypto.errors import DecryptionError
from longarm.crypto.federation import FederationKeyMissing, unseal_with_signing_seed
from longarm.federation.exceptions import TermsRefused
from longarm.federation.keyset import Sealer
from longarm.federation.models import (
    Mode,
    Outcome,
    PartnerMessage,
    Partnership,
    PartnershipChange,
    Role,
    Run,
)
from longarm.federation.runs import findings_of
from longarm.federation.terms import Terms, change_digest, public_key_bytes

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartnerFinding:
    """A partner's latest run found this identifier in common; ``run_on`` is the day of that run, and
    ``elements`` the digests of the identifier's strong keys it found (``runs.element_digest``)."""

    partnership: Partnership
    run_on: date
    elements: list[str] = field(default_factory=list)


# What the latest runs found, opened once per process (a run's findings never change once stored).
_OPENED: "OrderedDict[UUID, dict[str, list[str]]]" = OrderedDict()
_OPENED_RUNS = 16


def _findings(run: Run, sealer: Sealer) -> dict[str, list[str]]:
    if run.public_id in _OPENED:
        _OPENED.move_to_end(run.public_id)
        return _OPENED[run.public_id]
    found = findings_of(run, sealer)
    _OPENED[run.public_id] = found
    while len(_OPENED) > _OPENED_RUNS:
        _OPENED.popitem(last=False)
    return found


def _latest_runs() -> dict[int, Run]:
    """The latest done run with us asking, of each active partnership (there are a handful)."""
    runs: dict[int, Run] = {}
    for partnership in Partnership.objects.filter(active=True):
        run = (
            Run.objects.filter(partnership=partnership, role=Role.ASKED, outcome=Outcome.DONE)
            # Read only when a process has not opened it yet (``_findings``).
            .defer("findings_ciphertext")
            .first()
        )
        if run is not None:
            run.partnership = partnership
            runs[run.pk] = run
    return runs


def findings_for(identifiers: Iterable[Identifier]) -> dict[int, list[PartnerFinding]]:
    """For each identifier (of a case the caller's user holds), the partners whose latest run found it.
    Empty, with a warning in the log, on an installation whose federation key is missing."""
    identifiers = list(identifiers)
    if not identifiers:
        return {}
    runs = [run for run in _latest_runs().values() if run.mode == Mode.INTERSECTION]
    if not runs:
        return {}
    try:
        sealer = Sealer()
    except FederationKeyMissing:
        logger.warning("federation.key is missing: partners' findings cannot be shown")
        return {}
    by_id = {str(identifier.public_id): identifier.pk for identifier in identifiers}
    found: dict[int, list[PartnerFinding]] = {}
    for run in sorted(runs, key=lambda item: item.pk):
        in_common = _findings(run, sealer)
        for public_id, pk in by_id.items():
            if public_id in in_common:
                found.setdefault(pk, []).append(
                    PartnerFinding(
                        partnership=run.partnership,
                        run_on=run.started_at.date(),
                        elements=in_common[public_id],
                    )
                )
    return found


def partnerships() -> list[Partnership]:
    return list(Partnership.objects.annotate(last_run=Max("runs__started_at")))


def partnership_by_public_id(public_id: UUID) -> Partnership | None:
    return Partnership.objects.filter(public_id=public_id).first()


@dataclass(frozen=True)
class TermRow:
    """One term of a waiting change: its label, the value in force ("" for a new partner) and the value
    proposed, as an administrator reads them."""

    label: str
    current: str
    proposed: str

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


@dataclass(frozen=True)
class ChangeView:
    change: PartnershipChange
    rows: list[TermRow]
    # What the approval names (``services.change_digest``): it makes this change and no other.
    digest: str


def _shown(terms: dict[str, Any] | None) -> dict[str, str]:
    if terms is None:
        return {}
    try:
        key = base64.b64encode(public_key_bytes(str(terms["public_key"]))).decode()
    except TermsRefused:
        key = str(terms["public_key"])
    kinds = ", ".join(
        str(IdentifierKind(kind).label) for kind in sorted(terms["kinds"]) if kind in IdentifierKind.values
    )
    return {
        "name": str(terms["name"]),
        "public_key": key,
        "fingerprint": key_fingerprint(key),
        "endpoint": str(terms["endpoint"]),
        "kinds": kinds,
        "mode": str(Mode(terms["mode"]).label) if terms["mode"] in Mode.values else str(terms["mode"]),
        "smallest_set": str(terms["smallest_set"]),
        "largest_set": str(terms["largest_set"]),
        "runs": _("%(runs)s in %(days)s days")
        % {"runs": terms["runs_per_period"], "days": terms["period_days"]},
        "minimum_change": str(terms["minimum_change"]),
        "active": _("yes") if terms["active"] else _("no"),
    }


def key_fingerprint(key: str) -> str:
    """A public key's fingerprint as administrators compare it aloud: the first 16 bytes of its SHA-256,
    in groups of four hex digits."""
    try:
        raw = base64.b64decode(key, validate=True)
    except (ValueError, binascii.Error):
        return ""
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def _labels() -> list[tuple[str, str]]:
    return [
        ("name", _("Partner's name")),
        ("public_key", _("Partner's signing public key")),
        ("fingerprint", _("Key fingerprint")),
        ("endpoint", _("Partner's federation address")),
        ("kinds", _("Kinds of identifier covered")),
        ("mode", _("What a run reveals")),
        ("smallest_set", _("Smallest set accepted")),
        ("largest_set", _("Largest set accepted")),
        ("runs", _("Runs allowed per period")),
        ("minimum_change", _("Smallest change in set size between runs")),
        ("active", _("Active")),
    ]


def waiting_changes() -> list[ChangeView]:
    """Changes waiting for a second administrator, each with every term in force beside the term proposed,
    and the digest an approval of exactly that must name."""
    views = []
    for change in (
        PartnershipChange.objects.filter(proposal__status="pending")
        .select_related("proposal", "proposal__proposed_by", "partnership")
        .order_by("proposal__expires_at")
    ):
        current = _shown(Terms.of(change.partnership).as_json() if change.partnership else None)
        proposed = _shown(change.terms)
        rows = [
            TermRow(str(label), current.get(name, ""), proposed.get(name, "")) for name, label in _labels()
        ]
        views.append(ChangeView(change=change, rows=rows, digest=change_digest(change)))
    return views


def recent_runs(limit: int = 50) -> list[Run]:
    return list(
        Run.objects.select_related("partnership", "started_by").defer(
            "figures_ciphertext", "findings_ciphertext"
        )[:limit]
    )


@dataclass(frozen=True)
class MessageView:
    message: PartnerMessage
    content: dict[str, Any] | None


def partner_messages(limit: int = 50) -> list[MessageView]:
    """Partners' messages, opened with our signing key (None for one that does not open)."""
    seed = current_keyring().signing_seed
    views = []
    for message in PartnerMessage.objects.select_related("partnership")[:limit]:
        try:
            content = json.loads(unseal_with_signing_seed(seed, bytes(message.sealed)))
        except (DecryptionError, ValueError):
            content = None
        views.append(MessageView(message, content if isinstance(content, dict) else None))
    return views
