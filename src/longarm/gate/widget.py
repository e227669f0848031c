"""What a form protected by the gate shows: the time-lock token, how long to wait, and the ALTCHA widget."""

import json
import math
import time
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from longarm.gate.exceptions import GateRefused, Refusal
from longarm.gate.pressure import pressure_level
from longarm.gate.selectors import ticket_is_spent
from longarm.gate.tokens import (
    TIMELOCK_FIELD,
    Purpose,
    clamp_level,
    delay_for,
    timelock_issue,
    timelock_read,
)


@dataclass(frozen=True)
class GateWidget:
    purpose: Purpose
    level: int
    timelock: str
    wait_seconds: int
    challenge_url: str

    @property
    def wait_notice(self) -> str:
        return ngettext(
            "To protect this site from automated attacks, please wait %(seconds)s second before you press "
            "the button.",
            "To protect this site from automated attacks, please wait %(seconds)s seconds before you press "
            "the button.",
            self.wait_seconds,
        ) % {"seconds": self.wait_seconds}

    @property
    def strings_json(self) -> str:
        return json.dumps(self.strings, ensure_ascii=False)

    @property
    def strings(self) -> dict[str, str]:
        """The widget's own texts, translated here (the widget ships none of our languages)."""
        waiting = _("Please wait until the check is done.")
        return {
            "label": _("Anti-abuse check"),
            "verifying": _("Checking… this takes a few seconds."),
            "verified": _("Check done"),
            "error": _("The check did not work. You can still send the form after the wait shown above."),
            "expired": _("The check has expired and will run again."),
            "waitAlert": waiting,
            "verificationRequired": waiting,
        }


def _kept_timelock(request: HttpRequest, purpose: Purpose, level: int) -> tuple[str, float] | None:
    """The time-lock token the reporter just posted, if it may still be used: its wait is not lost when
    the form comes back with an error."""
    token = request.POST.get(TIMELOCK_FIELD, "") if request.method == "POST" else ""
    if not token:
        return None
    try:
        ticket, not_before = timelock_read(token, purpose=purpose)
    except GateRefused:
        return None
    if ticket.level < level or ticket_is_spent(purpose=purpose, ticket=ticket):
        return None
    return token, not_before


def gate_widget(request: HttpRequest, purpose: Purpose, *, level: int = 0) -> GateWidget:
    """The gate for the next attempt at ``purpose``, at least at ``level`` and at the site's pressure."""
    level = clamp_level(max(level, pressure_level(purpose)))
    kept = _kept_timelock(request, purpose, level)
    if kept is None:
        token, wait = timelock_issue(purpose=purpose, level=level).token, delay_for(level)
    else:
        token, wait = kept[0], max(0, math.ceil(kept[1] - time.time()))
    url = reverse("gate:challenge", args=[purpose.value])
    return GateWidget(
        purpose=purpose,
        level=level,
        timelock=token,
        wait_seconds=wait,
        challenge_url=f"{url}?level={level}" if level else url,
    )


def refusal_message(error: GateRefused) -> str:
    """What to tell the person whose attempt the gate refused; what they typed is always kept."""
    if error.refusal == Refusal.EARLY:
        return ngettext(
            "Please wait %(seconds)s more second, then press the button again. Nothing you typed has been "
            "lost.",
            "Please wait %(seconds)s more seconds, then press the button again. Nothing you typed has been "
            "lost.",
            error.remaining_seconds,
        ) % {"seconds": error.remaining_seconds}
    if error.refusal == Refusal.TOO_WEAK:
        return _(
            "After many failed attempts this needs a longer check. Wait until it is done (or, without "
            "JavaScript, the time shown), then try again."
        )
    if error.refusal in {Refusal.EXPIRED, Refusal.REUSED}:
        return _(
            "The anti-abuse check of this page was used up. A new one has started: press the button again "
            "when it is done (without JavaScript, after the time shown). Nothing you typed has been lost."
        )
    return _(
        "This form needs a short anti-abuse check before it is sent: press the button again when it is done "
        "(without JavaScript, after the time shown). Nothing you typed has been lost."
    )
