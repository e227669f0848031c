class KeysLocked(Exception):
    """The session no longer holds the staff member's unlocked private key; they must log in again."""


class LoginRefused(Exception):
    """Wrong user name, password or one-time code, or too many attempts. Deliberately unspecific."""
