"""One normal form per identifier, for callers that store a single blind index: the value of its first
match key (:func:`longarm.linking.keys.match_keys` gives all of them)."""

from longarm.linking.keys import match_keys
from longarm.linking.normalisers.text import fold, without_spaces_and_dashes


def normalise(kind: str, value: str, *, region: str | None = None) -> str:
    """The first match key's value of an identifier of ``kind`` (an ``IdentifierKind`` value), or its
    folded text when it has none."""
    keys = match_keys(kind, value, region=region)
    return keys[0].value if keys else without_spaces_and_dashes(fold(value))
