"""Deleting what has expired but would otherwise stay in the database for good.

Expired sessions (a staff session row keeps that person's wrapped private key; a reporter's dates their last
visit to the hour), throttle and pressure counters of past windows (each says how many attempts were made in
a window), and spent gate tokens. None of it is needed once it has expired, and all of it is metadata a thief
of the database could read.

It also delivers outbox events a dead worker left (``core.outbox``): each holds what a report published
until its subscribers have derived from it, and expires the answers to partners' federated runs that were
never fetched (each holds a partner's blinded request and our blinded set until it is).
"""

from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from longarm.core.outbox import outbox_sweep
from longarm.core.throttle import purge_expired
from longarm.gate.models import SpentToken
from longarm.operations.heartbeat import forget_gone_workers


@dataclass(frozen=True)
class Swept:
    sessions: int
    counters: int
    spent_tokens: int
    gone_workers: int
    outbox_deliveries: int
    expired_answers: int = 0


def housekeeping_run() -> Swept:
    """Delete expired sessions, counters of windows that ended more than a day ago, expired spent gate
    tokens and the heartbeat rows of workers long gone, and deliver what the outbox still holds; returns how
    many of each."""
    from longarm.federation.server import answers_expire

    now = timezone.now()
    with transaction.atomic():
        sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
        counters = purge_expired()
        spent, _ = SpentToken.objects.filter(expires_at__lt=now).delete()
        gone = forget_gone_workers()
    return Swept(
        sessions=sessions,
        counters=counters,
        spent_tokens=spent,
        gone_workers=gone,
        outbox_deliveries=outbox_sweep(),
        expired_answers=answers_expire(now),
    )
