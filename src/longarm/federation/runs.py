"""Recording runs on either side: the run, its figures under the federation key, what it found as tags,
and its audit event, in one transaction."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.crypto.envelopes import decrypt, encrypt
from longarm.federation.keyset import federation_key
from longarm.federation.models import Finding, Outcome, Partnership, Role, Run


@dataclass(frozen=True)
class Figures:
    """Sizes of a run: our set, the partner's (the number of elements its request held; None when we asked,
    since the answer shows it only roughly) and what was found in common (None when the partner asked: we
    learn nothing of it)."""

    ours: int
    theirs: int | None = None
    common: int | None = None


def _context(run: Run) -> bytes:
    return f"longarm federation run {run.public_id} figures".encode()


def figures_of(run: Run) -> Figures | None:
    if not run.figures_ciphertext:
        return None
    stored = json.loads(decrypt(federation_key(), bytes(run.figures_ciphertext), context=_context(run)))
    return Figures(ours=stored["ours"], theirs=stored["theirs"], common=stored["common"])


def run_record(
    *,
    partnership: Partnership,
    role: Role,
    mode: str,
    outcome: Outcome,
    started_at: datetime,
    refusal: str = "",
    figures: Figures | None = None,
    tags: list[bytes] | None = None,
    actor: StaffUser | None = None,
) -> Run:
    """Store one run and audit it (``federation.<role>:<outcome>[:<refusal>]``); returns the run."""
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
        if figures is not None:
            run.figures_ciphertext = encrypt(
                federation_key(),
                json.dumps(
                    {"ours": figures.ours, "theirs": figures.theirs, "common": figures.common}
                ).encode(),
                context=_context(run),
            )
        run.save()
        if tags:
            Finding.objects.bulk_create(Finding(run=run, tag=tag) for tag in dict.fromkeys(tags))
        action = f"federation.{role}:{outcome}" + (f":{refusal}" if refusal else "")
        audit_append(
            actor=actor,
            actor_kind=ActorKind.STAFF if actor else ActorKind.SYSTEM,
            action=action,
            object_type="partnership",
            object_id=str(partnership.public_id),
        )
    return run


def run_mark_failed(*, run: Run, reason: str) -> None:
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(outcome=Outcome.FAILED, refusal=reason[:24])
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action=f"federation.{run.role}:failed:{reason}",
            object_type="partnership",
            object_id=str(run.partnership.public_id),
        )


def runs_in_period(*, partnership: Partnership, role: Role, now: datetime) -> int:
    """Runs of ``role`` that took place (done or failed after starting) within the partnership's period."""
    return Run.objects.filter(
        partnership=partnership,
        role=role,
        outcome__in=[Outcome.DONE, Outcome.FAILED],
        started_at__gt=now - timedelta(days=partnership.period_days),
    ).count()


def previous_run(*, partnership: Partnership, role: Role) -> Run | None:
    return Run.objects.filter(partnership=partnership, role=role, outcome=Outcome.DONE).first()
