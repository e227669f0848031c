class NoAccess(Exception):
    """No key of this case or report is sealed to the acting staff member."""


class InvalidTransition(Exception):
    """The case's status may not move to the one asked for."""


class NotAllowed(Exception):
    """The acting staff member's role or position does not allow this action."""


class SecondCustodianNeeded(NotAllowed):
    """Under the two-person rule, the custodian who gave the first approval tried to give the second too."""
