class HoldRefused(Exception):
    """A retention hold that may not be placed (bad date, unknown reason, a report that is in a case)."""
