class TokenRefused(Exception):
    """An API token that is malformed, unknown, revoked, expired, or belongs to an inactive account."""
