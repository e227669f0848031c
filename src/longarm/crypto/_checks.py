"""Argument checks shared by the modules of this package."""


def require_length(value: bytes, length: int, name: str) -> None:
    """Return if ``value`` is exactly ``length`` bytes long.

    Raises:
        ValueError: naming ``name``, if the length differs.
    """
    if len(value) != length:
        raise ValueError(f"{name} must be {length} bytes, got {len(value)}")


def require_context(context: bytes) -> None:
    """Return if ``context`` is non-empty.

    Raises:
        ValueError: if it is empty; an empty context would bind a ciphertext to nothing.
    """
    if not context:
        raise ValueError("context must not be empty")
