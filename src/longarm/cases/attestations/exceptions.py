class TooManyAttempts(Exception):
    """Too many wrong verification codes were tried from this session or across the site."""
