"""Alerts: audit events an administrator must see, not only find. Their action starts with ``alert.``; the
staff page (an administrator's first page) lists those of the last days and the audit log filters and flags
them. Each is written once per window by the service that detects the pattern, never once per request."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ALERT_PREFIX = "alert."
# Days of alerts the staff page lists.
ALERT_DAYS = 14

# What each alert means, for the administrator; the action's part after a colon (a period) is left out.
_LABELS: dict[str, Promise] = {
    "alert.identifier_limit": _(
        "Added as many identifiers as allowed within the hour or the day; more were refused."
    ),
    "alert.login_wrong_code": _(
        "Someone typed this account's password with a wrong one-time code: they may know the password."
    ),
    "alert.linking_probe": _(
        "Added many identifiers today that match cases this person does not hold: it may be probing."
    ),
}


def alert_label(action: str) -> str:
    """The meaning of an alert action ("alert.identifier_limit:hour"), or the action itself if unknown."""
    label = _LABELS.get(action.partition(":")[0])
    return str(label) if label is not None else action
