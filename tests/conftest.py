from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import staff_create, staff_login_level
from longarm.audit.services import audit_release_reporter_events
from tests.gate.helpers import gate_fields

STAFF_PASSWORD = "a long passphrase for tests 7"


def current_totp(user: StaffUser) -> str:
    device = TOTPDevice.objects.get(user=user)
    # A code is accepted once; tests log the same person in more than once within 30 seconds.
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{token:0{device.digits}d}"


def chain_reporter_events() -> None:
    """Chain today's reporter events now, as the first chained event after midnight does: until the day ends
    they wait outside the chain, dated to the day only (``audit.models.ReporterEvent``)."""
    audit_release_reporter_events(before=timezone.now().date() + timedelta(days=1))


def log_in(client: Client, user: StaffUser, *, password: str = STAFF_PASSWORD) -> None:
    response = client.post(
        reverse("accounts:login"),
        {
            "username": user.username,
            "password": password,
            "otp_token": current_totp(user),
            **gate_fields("login", level=staff_login_level(username=user.username)),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


@dataclass
class Cast:
    caseworker: StaffUser
    other_caseworker: StaffUser
    investigator: StaffUser
    custodian: StaffUser
    operator: StaffUser
    analyst: StaffUser
    admin: StaffUser
    outsider: StaffUser


@pytest.fixture
def make_staff(db: None) -> Callable[..., StaffUser]:
    def make(username: str, role: Role, *, receives_new_reports: bool = False) -> StaffUser:
        return staff_create(
            username=username, password=STAFF_PASSWORD, role=role, receives_new_reports=receives_new_reports
        ).user

    return make


@pytest.fixture
def cast(make_staff: Callable[..., StaffUser]) -> Cast:
    """Everyone who appears in the tests. Only ``caseworker`` receives new reports; ``outsider`` is a
    caseworker to whom nothing is ever sealed."""
    return Cast(
        caseworker=make_staff("casey", Role.CASEWORKER, receives_new_reports=True),
        other_caseworker=make_staff("otto", Role.CASEWORKER),
        investigator=make_staff("ines", Role.INVESTIGATOR),
        custodian=make_staff("cora", Role.CUSTODIAN),
        operator=make_staff("oscar", Role.OPERATOR),
        analyst=make_staff("anna", Role.ANALYST),
        admin=make_staff("adam", Role.ADMIN),
        outsider=make_staff("olga", Role.CASEWORKER),
    )


@pytest.fixture
def processing(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[None]]:
    """``with processing(): client.post(...)`` runs the evidence tasks the request queued, on whichever
    task backend the settings name."""
    from tests.evidence.conftest import run_queued_tasks

    @contextmanager
    def run() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_queued_tasks()

    return run


@pytest.fixture(autouse=True)
def _source_language_after_each_test() -> Iterator[None]:
    # A request in Turkish leaves Turkish active in this thread (LocaleMiddleware never deactivates): the next
    # test, comparing labels with the source language, would see translations that depend on test order.
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _gate_pressure_read_afresh() -> Iterator[None]:
    # The gate keeps the pressure it read for a second (gate.pressure): a test's database is rolled back, so
    # the next test must not be priced by what this one counted.
    from longarm.gate import pressure

    pressure._last_read.clear()
    yield
    pressure._last_read.clear()


@pytest.fixture(autouse=True)
def _empty_bucket_named_by_the_environment() -> Iterator[None]:
    """With ``LONGARM_STORAGE_URL=s3://…`` (CI's run against an S3-compatible server) every test starts and
    ends with the bucket empty, as the database is rolled back."""
    from tests.s3 import configured_outside, empty_bucket, ensure_bucket

    if not configured_outside():
        yield
        return
    ensure_bucket()
    empty_bucket()
    yield
    empty_bucket()


@pytest.fixture(scope="session")
def _moto_for_session() -> Iterator[str | None]:
    """moto's S3 server for the whole run, started the first time a test asks for a bucket, unless the
    environment names one (then None)."""
    from tests.s3 import configured_outside, moto_server

    if configured_outside():
        yield None
        return
    pytest.importorskip("moto.server", reason="the bucket tests need moto[server] (the test extras)")
    with moto_server() as server:
        yield server.endpoint


@pytest.fixture
def s3_bucket(_moto_for_session: str | None, settings: Any) -> Iterator[None]:
    """Evidence goes to a bucket for this test, empty at its start and end: the environment's (CI's
    server), or one on moto's server in this process. Both over real HTTP."""
    from tests.s3 import bucket_settings, empty_bucket, ensure_bucket

    if _moto_for_session is not None:
        for name, value in bucket_settings(_moto_for_session).items():
            setattr(settings, name, value)
    ensure_bucket()
    empty_bucket()
    yield
    empty_bucket()
