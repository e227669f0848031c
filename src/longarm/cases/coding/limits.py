"""What a staff member is told when the identifier limit refuses one more (threat model §5.3), in the
console and in the API alike."""

from django.utils.translation import ngettext

from longarm.linking.exceptions import IdentifierLimitReached


def identifier_limit_message(limit: IdentifierLimitReached) -> str:
    if limit.period == "hour":
        text = ngettext(
            "You have added %(count)d identifier within this hour, the most allowed. This one was not "
            "added: try again later, or ask an administrator if your work needs more.",
            "You have added %(count)d identifiers within this hour, the most allowed. This one was not "
            "added: try again later, or ask an administrator if your work needs more.",
            limit.maximum,
        )
    else:
        text = ngettext(
            "You have added %(count)d identifier today, the most allowed. This one was not added: try again "
            "tomorrow, or ask an administrator if your work needs more.",
            "You have added %(count)d identifiers today, the most allowed. This one was not added: try again "
            "tomorrow, or ask an administrator if your work needs more.",
            limit.maximum,
        )
    return text % {"count": limit.maximum}
