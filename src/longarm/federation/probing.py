"""The rules that stand against a partner probing for single values (threat model, "Federated linking").

A partner who sends a set of one, or the same set with one element added or swapped, learns from the answer
whether we hold that element. What the answering side sees of a request is only its number of elements
(the PSI library blinds each element under a key the asker draws afresh), so the rules act on that number
and on the partnership's terms: a minimum and a maximum size, a number of runs per period, and a change of
at least ``minimum_change`` elements in size from the previous accepted run. The threat model says what a
partner who pads its set with random values can still learn despite them."""

from datetime import datetime

from longarm.federation.models import Partnership, Role
from longarm.federation.runs import figures_of, previous_run, runs_in_period

TOO_SMALL = "too_small"
TOO_LARGE = "too_large"
TOO_FREQUENT = "too_frequent"
TOO_SIMILAR = "too_similar"


def refusal_for(*, partnership: Partnership, role: Role, size: int, now: datetime) -> str:
    """The rule a run of a set of ``size`` elements would break ("" when it breaks none). ``role`` is our
    side: ``answered`` judges the partner's set, ``asked`` our own before we send it (the partner would
    refuse it anyway; we do not spend one of its runs)."""
    if size < partnership.smallest_set:
        return TOO_SMALL
    if size > partnership.largest_set:
        return TOO_LARGE
    if runs_in_period(partnership=partnership, role=role, now=now) >= partnership.runs_per_period:
        return TOO_FREQUENT
    previous = previous_run(partnership=partnership, role=role)
    figures = figures_of(previous) if previous is not None else None
    if figures is not None:
        earlier = figures.theirs if role == Role.ANSWERED else figures.ours
        if earlier is not None and abs(size - earlier) < partnership.minimum_change:
            return TOO_SIMILAR
    return ""
