from enum import StrEnum


class Refusal(StrEnum):
    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    REUSED = "reused"
    WRONG_PURPOSE = "wrong-purpose"
    EARLY = "early"
    TOO_WEAK = "too-weak"


class GateRefused(Exception):
    """The attempt brought no usable gate solution; nothing expensive was done for it.

    ``remaining_seconds`` is set for a time-lock token pressed too early, ``level`` for a solution weaker than
    the attempt needs (the level the next one must have).
    """

    def __init__(self, refusal: Refusal, *, remaining_seconds: int = 0, level: int = 0) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.remaining_seconds = remaining_seconds
        self.level = level
