"""Recording runs on either side: the run, its figures and what it found under the federation key, and its
audit event, in one transaction.

Both sealed values are padded before they are encrypted, so that their length tells a database thief no more
than a rough size: the figures to one fixed length, the findings to the next power of two (at least 4 KiB).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from nacl.encoding import HexEncoder
from nacl.hash import blake2b

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.federation.keyset import Sealer
from longarm.federation.models import Outcome, Partnership, PendingAnswer, Role, Run

# Runs that took place, for the rate and size-change rules: refused runs are not counted, accepted ones
# are even if their answer was never fetched (the partner could otherwise start runs it does not fetch).
TOOK_PLACE = (Outcome.PENDING, Outcome.DONE, Outcome.FAILED, Outcome.EXPIRED)
_FIGURES_BYTES = 256
_SMALLEST_FINDINGS_BYTES = 4096


@dataclass(frozen=True)
class Figures:
    """Sizes of a run: our set, the partner's (the number of elements its request held; None when we asked,
    since the answer shows it only roughly) and what was found in common (None when the partner asked: we
    learn nothing of it)."""

    ours: int
    theirs: int | None = None
    common: int | None = None


def element_digest(element: str) -> str:
    """How a run's findings name one of our strong keys: an unkeyed BLAKE2b digest, only ever stored inside
    the findings, which are encrypted under the federation key (a rotation re-encrypts them as they are)."""
    return blake2b(element.encode(), digest_size=16, person=b"longarm-fedelem", encoder=HexEncoder).decode()


def _padded(content: Mapping[str, object], length: int) -> bytes:
    """``content`` as JSON, padded with spaces (outside the object, which JSON ignores) to ``length`` bytes,
    or to the next power of two when it is longer."""
    plain = json.dumps(content, separators=(",", ":"), sort_keys=True).encode()
    while length < len(plain):
        length *= 2
    return plain + b" " * (length - len(plain))


def figures_context(run: Run) -> bytes:
    return f"longarm federation run {run.public_id} figures".encode()


def findings_context(run: Run) -> bytes:
    return f"longarm federation run {run.public_id} findings".encode()


def seal_figures(run: Run, figures: Figures, sealer: Sealer | None = None) -> bytes:
    content = {"ours": figures.ours, "theirs": figures.theirs, "common": figures.common}
    return (sealer or Sealer()).seal(_padded(content, _FIGURES_BYTES), context=figures_context(run))


def figures_of(run: Run) -> Figures | None:
    if not run.figures_ciphertext:
        return None
    stored = json.loads(Sealer().open(bytes(run.figures_ciphertext), context=figures_context(run)))
    return Figures(ours=stored["ours"], theirs=stored["theirs"], common=stored["common"])


def findings_of(run: Run, sealer: Sealer | None = None) -> dict[str, list[str]]:
    """Which of our identifiers (by public id) the run found in common, each with the digests
    (:func:`element_digest`) of its strong keys that were found; empty when it found none or did not
    learn which."""
    if not run.findings_ciphertext:
        return {}
    stored = json.loads(
        (sealer or Sealer()).open(bytes(run.findings_ciphertext), context=findings_context(run))
    )
    return {str(key): [str(digest) for digest in value] for key, value in stored["found"].items()}


def run_record(
    *,
    partnership: Partnership,
    role: Role,
    mode: str,
    outcome: Outcome,
    started_at: datetime,
    refusal: str = "",
    figures: Figures | None = None,
    found: dict[str, list[str]] | None = None,
    actor: StaffUser | None = None,
) -> Run:
    """Store one run and audit it (``federation.<role>:<outcome>[:<refusal>]``); returns the run.
    ``found`` is what a run we asked in intersection mode found (see :func:`findings_of`)."""
    with transaction.atomic():
        run = Run(
            partnership=partnership,
            role=role,
            mode=mode,
            started_at=started_at,
            outcome=outcome,
            refusal=refusal[:24],
            started_by=actor,
        )
        sealer = Sealer() if figures is not None or found is not None else None
        if figures is not None:
            run.figures_ciphertext = seal_figures(run, figures, sealer)
        if found is not None and sealer is not None:
            run.findings_ciphertext = sealer.seal(
                _padded({"found": found}, _SMALLEST_FINDINGS_BYTES), context=findings_context(run)
            )
        run.save()
        action = f"federation.{role}:{outcome}" + (f":{refusal}" if refusal else "")
        audit_append(
            actor=actor,
            actor_kind=ActorKind.STAFF if actor else ActorKind.SYSTEM,
            action=action,
            object_type="partnership",
            object_id=str(partnership.public_id),
        )
    return run


def run_mark(*, run: Run, outcome: Outcome, reason: str = "") -> None:
    """End an answering run (done, failed or expired) and audit it; deletes its pending answer."""
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(outcome=outcome, refusal=reason[:24])
        PendingAnswer.objects.filter(run=run).delete()
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action=f"federation.{run.role}:{outcome}" + (f":{reason}" if reason else ""),
            object_type="partnership",
            object_id=str(run.partnership.public_id),
        )


def run_mark_failed(*, run: Run, reason: str) -> None:
    run_mark(run=run, outcome=Outcome.FAILED, reason=reason)


def runs_in_period(*, partnership: Partnership, role: Role, now: datetime) -> int:
    """Runs of ``role`` that took place (see ``TOOK_PLACE``) within the partnership's period."""
    return Run.objects.filter(
        partnership=partnership,
        role=role,
        outcome__in=TOOK_PLACE,
        started_at__gt=now - timedelta(days=partnership.period_days),
    ).count()


def previous_run(*, partnership: Partnership, role: Role) -> Run | None:
    """The latest run of ``role`` whose set was accepted (answered or waiting to be fetched)."""
    return (
        Run.objects.filter(partnership=partnership, role=role, outcome__in=TOOK_PLACE)
        .exclude(figures_ciphertext=b"")
        .defer("findings_ciphertext")
        .first()
    )
