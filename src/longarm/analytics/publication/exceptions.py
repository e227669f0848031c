class BudgetExhausted(Exception):
    """The release would spend more differential-privacy budget than its dataset scope has left; says how
    much is left."""

    def __init__(self, *, epsilon_left: float, delta_left: float) -> None:
        super().__init__(f"epsilon {epsilon_left} and delta {delta_left} left")
        self.epsilon_left = epsilon_left
        self.delta_left = delta_left


class NotPending(Exception):
    """The release was already decided (or withdrawn) and cannot be decided again."""


class EmptyRelease(Exception):
    """Nothing would be published: the table has no cells, or no record survives the small-cell rules."""


class NotAllowed(Exception):
    """The acting staff member's role does not allow this action."""


class OpenEndedPeriod(Exception):
    """A noisy table by month or year needs a start and an end month, so that its rows do not depend on
    the data."""
