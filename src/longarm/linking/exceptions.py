class LinkingError(Exception):
    """Base of the linking app's named errors."""


class NotLinked(LinkingError):
    """The two cases share no such match key."""


class AlreadyDecided(LinkingError):
    """The access request was already granted or declined."""


class RequestNotAllowed(LinkingError):
    """The requester already holds the case, or the case shares no key with any case they hold."""
