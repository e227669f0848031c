"""The running server's access to the keyring and to the Argon2id costs chosen in settings."""

from functools import cache

from django.conf import settings

from longarm.crypto.kdf import Argon2Cost
from longarm.crypto.keyring import Keyring, load_keyring


@cache
def current_keyring() -> Keyring:
    """The keyring in ``LONGARM_KEYS_DIR``; raises ``KeyringError`` if `longarm init` has not made it."""
    return load_keyring(settings.KEYS_DIR)


def receipt_cost() -> Argon2Cost:
    opslimit, memlimit = settings.LONGARM_RECEIPT_ARGON2
    return Argon2Cost(opslimit=opslimit, memlimit=memlimit)


def staff_cost() -> Argon2Cost:
    opslimit, memlimit = settings.LONGARM_STAFF_ARGON2
    return Argon2Cost(opslimit=opslimit, memlimit=memlimit)
