"""Staff password hashes cost what the staff private-key lock costs (issue 11, item 13).

Both are Argon2id over the same password, and a thief of the database can attack either: Django's default
(100 MiB, two passes) was the cheaper target. This hasher takes its cost from ``LONGARM_STAFF_ARGON2``
(libsodium's opslimit, and memlimit in bytes) and uses one lane, as libsodium's ``crypto_pwhash`` does, so a
guess costs the same against both. Hashes made with other parameters are re-made with these at the person's
next log-in (Django's ``must_update``).
"""

import dataclasses
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class StaffArgon2PasswordHasher(Argon2PasswordHasher):
    # Django's algorithm name, so that hashes made before this class existed still verify (and get upgraded).
    algorithm = "argon2"

    def params(self) -> Any:
        opslimit, memlimit = settings.LONGARM_STAFF_ARGON2
        # argon2-cffi counts memory in KiB, libsodium in bytes.
        return dataclasses.replace(
            super().params(), time_cost=opslimit, memory_cost=memlimit // 1024, parallelism=1
        )
