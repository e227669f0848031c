from longarm.crypto.errors import KeyringError


class WrongRecoveryKey(KeyringError):
    """The recovery private key given is not the one the operation needs."""


class RotationInProgress(Exception):
    """A recovery-key rotation has begun and not finished: it is resumed, not begun again."""
