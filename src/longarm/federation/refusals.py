"""What staff are told when a run or a message is refused, by the rule that refused it."""

from django.utils.translation import gettext as _


def refusal_text(code: str) -> str:
    texts = {
        "too_small": _("The set is smaller than the partnership allows."),
        "too_large": _("The set is larger than the partnership allows."),
        "too_frequent": _("The partnership allows no more runs in this period."),
        "too_similar": _(
            "The set has barely changed since the last run; a run now could reveal single identifiers."
        ),
        "inactive": _("This partnership is not active."),
        "mode": _("The partner allows only the number of identifiers in common."),
        "not_found": _("No run with this partner found this identifier."),
        "stale": _("The partner refused the request as stale: check both servers' clocks."),
        "replayed": _("The partner refused the request as a replay."),
        "bad_signature": _("The partner did not accept our signature: check the keys you exchanged."),
        "too_many_messages": _(
            "Too many messages to this partner in the last 24 hours. Try again tomorrow, or write to its "
            "administrators another way."
        ),
        "no_federation_key": _(
            "Federated linking is off: this server has no federation key. An administrator creates it with "
            "`longarm federation key create`."
        ),
        "unavailable": _("The partner could not queue the run. Try again later."),
        "expired": _("The partner's answer expired before it was fetched. Run it again."),
    }
    return texts.get(code, _("The partner refused the request."))
