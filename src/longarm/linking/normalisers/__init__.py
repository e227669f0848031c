"""One small module per identifier type. Each turns what a reporter or caseworker typed into the normal
forms that :func:`longarm.linking.keys.match_keys` wraps as match keys; the docstrings say which real
equivalence rule each form encodes and why."""
