"""Paying the gate in tests, the two ways a browser does: an aged time-lock token (JavaScript off) or an
ALTCHA solution found by the ``altcha`` library's own solver (what the widget's worker computes)."""

import time

import altcha

from longarm.gate.tokens import POW_FIELD, TIMELOCK_FIELD, Purpose, pow_challenge, timelock_issue


def gate_fields(purpose: str, *, level: int = 0) -> dict[str, str]:
    """A time-lock token for ``purpose`` whose wait is over, as a form served an hour ago carries it."""
    issued = timelock_issue(purpose=Purpose(purpose), level=level, now=time.time() - 3600)
    return {TIMELOCK_FIELD: issued.token}


def solved_pow(purpose: str, *, level: int = 0) -> dict[str, str]:
    """A solved ALTCHA challenge for ``purpose``, as the widget posts it."""
    challenge = altcha.Challenge.from_dict(pow_challenge(purpose=Purpose(purpose), level=level))
    solution = altcha.solve_challenge(challenge, timeout=60)
    assert solution is not None
    return {POW_FIELD: altcha.Payload(challenge, solution).to_base64()}
