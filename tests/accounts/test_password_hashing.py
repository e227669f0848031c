"""The password hash costs a guesser what the private-key lock costs (issue 11, item 13)."""

import json

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.test import Client, override_settings

from longarm.accounts.hashers import StaffArgon2PasswordHasher
from longarm.accounts.models import StaffUser
from tests.conftest import STAFF_PASSWORD, Cast, log_in
from tests.core.production import run_with_production_settings

_READ_COSTS = """
import json, sys
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
params = get_hasher("default").params()
ops, mem = settings.LONGARM_STAFF_ARGON2
json.dump({"hasher": [params.time_cost, params.memory_cost * 1024, params.parallelism],
           "variety": str(params.type), "staff_key": [ops, mem]}, sys.stdout)
"""


def production_costs(**environment: str) -> dict[str, list[int] | str]:
    costs: dict[str, list[int] | str] = json.loads(run_with_production_settings(_READ_COSTS, **environment))
    return costs


def test_the_production_password_hash_costs_what_the_private_key_lock_costs() -> None:
    costs = production_costs()
    assert costs["staff_key"] == [3, 256 * 1024 * 1024]
    # Argon2id, same passes, same memory, one lane (as libsodium's crypto_pwhash).
    assert costs["hasher"] == [*costs["staff_key"], 1]
    assert "ID" in str(costs["variety"])


def test_the_password_hash_follows_the_staff_cost_setting() -> None:
    costs = production_costs(LONGARM_STAFF_ARGON2_OPS="4", LONGARM_STAFF_ARGON2_MEM=str(64 * 1024 * 1024))
    assert costs["hasher"] == [4, 64 * 1024 * 1024, 1]


_HASHER = "longarm.accounts.hashers.StaffArgon2PasswordHasher"


@override_settings(PASSWORD_HASHERS=[_HASHER], LONGARM_STAFF_ARGON2=(2, 16 * 1024 * 1024))
def test_a_hash_records_the_staff_cost_and_verifies() -> None:
    encoded = make_password("a long passphrase for tests 7")
    assert "$m=16384,t=2,p=1$" in encoded
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("a long passphrase for tests 7", encoded)
    assert not check_password("another passphrase entirely", encoded)
    assert isinstance(identify_hasher(encoded), StaffArgon2PasswordHasher)


@pytest.mark.django_db
def test_a_hash_made_at_a_lower_cost_is_made_again_at_the_next_log_in(cast: Cast) -> None:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        cast.caseworker.set_password(STAFF_PASSWORD)
        cast.caseworker.save(update_fields=["password"])
    old = StaffUser.objects.get(pk=cast.caseworker.pk).password
    assert "$m=102400,t=2,p=8$" in old
    with override_settings(PASSWORD_HASHERS=[_HASHER]):
        assert get_hasher("default").must_update(old)
        log_in(Client(), cast.caseworker)
    new = StaffUser.objects.get(pk=cast.caseworker.pk).password
    time_cost, memlimit = settings.LONGARM_STAFF_ARGON2
    assert f"$m={memlimit // 1024},t={time_cost},p=1$" in new
