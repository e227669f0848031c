"""Reads of federated linking: which partners also know an identifier (for the case page, whose reader
holds the case), the partnerships and waiting changes (for administrators), and partners' messages."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Max

from longarm.cases.models import Identifier
from longarm.core.keyring import current_keyring
from longarm.crypto.errors import DecryptionError
from longarm.crypto.federation import unseal_with_signing_seed
from longarm.federation.keyset import federation_key, identifier_tag
from longarm.federation.models import (
    Finding,
    Outcome,
    PartnerMessage,
    Partnership,
    PartnershipChange,
    Role,
    Run,
)


@dataclass(frozen=True)
class PartnerFinding:
    """A partner's latest run found this identifier in common; ``run_on`` is the day of that run."""

    partnership: Partnership
    run_on: date


def _latest_runs() -> dict[int, Run]:
    """The latest done run with us asking, of each active partnership (there are a handful)."""
    runs: dict[int, Run] = {}
    for partnership in Partnership.objects.filter(active=True):
        run = Run.objects.filter(partnership=partnership, role=Role.ASKED, outcome=Outcome.DONE).first()
        if run is not None:
            run.partnership = partnership
            runs[run.pk] = run
    return runs


def findings_for(identifiers: Iterable[Identifier]) -> dict[int, list[PartnerFinding]]:
    """For each identifier (of a case the caller's user holds), the partners whose latest run found it."""
    identifiers = list(identifiers)
    if not identifiers or not Finding.objects.exists():
        return {}
    runs = _latest_runs()
    if not runs:
        return {}
    key = federation_key()
    by_tag = {identifier_tag(key, identifier): identifier.pk for identifier in identifiers}
    found: dict[int, list[PartnerFinding]] = {}
    for finding in Finding.objects.filter(run_id__in=list(runs), tag__in=list(by_tag)).order_by("run_id"):
        run = runs[finding.run_id]
        found.setdefault(by_tag[bytes(finding.tag)], []).append(
            PartnerFinding(partnership=run.partnership, run_on=run.started_at.date())
        )
    return found


def partnerships() -> list[Partnership]:
    return list(Partnership.objects.annotate(last_run=Max("runs__started_at")))


def partnership_by_public_id(public_id: UUID) -> Partnership | None:
    return Partnership.objects.filter(public_id=public_id).first()


def waiting_changes() -> list[PartnershipChange]:
    return list(
        PartnershipChange.objects.filter(proposal__status="pending")
        .select_related("proposal", "proposal__proposed_by", "partnership")
        .order_by("proposal__expires_at")
    )


def recent_runs(limit: int = 50) -> list[Run]:
    return list(Run.objects.select_related("partnership", "started_by")[:limit])


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
