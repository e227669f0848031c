from longarm.core.throttle import hashed_key
from longarm.gate.models import SpentToken
from longarm.gate.tokens import Purpose, Ticket


def spent_digest(*, purpose: Purpose, ticket: Ticket) -> str:
    """The keyed hash a spent ticket is remembered by: the nonce itself is never stored."""
    return scoped_digest(scope=purpose.value, nonce=ticket.nonce)


def scoped_digest(*, scope: str, nonce: str) -> str:
    """The keyed hash of a one-time ``nonce`` of ``scope`` (a gate purpose, a form's token)."""
    return hashed_key("gate-spent", f"{scope}:{nonce}")


def ticket_is_spent(*, purpose: Purpose, ticket: Ticket) -> bool:
    return SpentToken.objects.filter(digest=spent_digest(purpose=purpose, ticket=ticket)).exists()
