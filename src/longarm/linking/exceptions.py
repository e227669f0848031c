class LinkingError(Exception):
    """Base of the linking app's named errors."""


class IdentifierRefused(LinkingError):
    """An identifier that is not added: nothing in it can be matched (it is not what its kind says), or the
    case already holds it. ``message`` says which, for the console and the API."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotLinked(LinkingError):
    """The two cases share no such match key."""


class AlreadyDecided(LinkingError):
    """The access request was already granted or declined."""


class RequestNotAllowed(LinkingError):
    """The requester already holds the case, or the case shares no key with any case they hold."""


class IdentifierLimitReached(LinkingError):
    """The staff member added as many identifiers as allowed within the hour or the day (threat model
    §5.3): adding more would let them test values against cases they do not hold faster than anyone
    could notice."""

    def __init__(self, *, period: str, maximum: int) -> None:
        super().__init__(period, maximum)
        # "hour" or "day".
        self.period = period
        self.maximum = maximum
