from longarm.linking.keys import match_keys


def meet(kind: str, a: str, b: str, *, region_a: str | None = None, region_b: str | None = None) -> bool:
    """Whether two identifiers share a match key, i.e. would link."""
    keys_a = {(key.scheme, key.value) for key in match_keys(kind, a, region=region_a)}
    keys_b = {(key.scheme, key.value) for key in match_keys(kind, b, region=region_b)}
    return bool(keys_a & keys_b)
