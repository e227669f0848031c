from longarm.accounts.models import StaffUser
from longarm.api.scopes import all_scopes
from longarm.api.services import api_token_create
from longarm.crypto.staff_keys import LockedPrivateKey, unlock_private_key
from tests.conftest import STAFF_PASSWORD


def private_key_of(user: StaffUser) -> bytes:
    locked = LockedPrivateKey(salt=bytes(user.private_key_salt), ciphertext=bytes(user.private_key_locked))
    return unlock_private_key(locked, STAFF_PASSWORD, cost=user.private_key_cost)


def api_token(user: StaffUser, *, scopes: list[str] | None = None) -> str:
    """A token made the way the console makes it, with the user's unlocked key; every scope unless told."""
    return api_token_create(
        user=user,
        private_key=private_key_of(user),
        label="tests",
        scopes=all_scopes() if scopes is None else scopes,
    ).secret


def api_headers(user: StaffUser, *, scopes: list[str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(user, scopes=scopes)}"}
