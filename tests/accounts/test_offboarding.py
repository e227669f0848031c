"""Offboarding (threat model §6.3): `longarm staff offboard NAME` and the console action take every key and
every way in from a staff member who leaves."""

import io
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from longarm.accounts.exceptions import LastAdministrator, OffboardingSelf, UnheldAfterOffboarding
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import staff_offboard
from longarm.api.exceptions import TokenRefused
from longarm.api.models import ApiToken
from longarm.api.services import api_token_authenticate
from longarm.audit.models import AuditEvent
from longarm.cases.disclosure.services import disclosure_approve, disclosure_request
from longarm.cases.keys import open_case_key
from longarm.cases.models import Assignment, Case, CaseKey, CaseKeyKind, DisclosureRequest, DisclosureStatus
from longarm.cases.services import case_add_report, case_grant, case_open
from longarm.crypto.envelopes import seal, unseal
from longarm.crypto.errors import DecryptionError
from longarm.crypto.kdf import Argon2Cost
from longarm.crypto.staff_keys import LockedPrivateKey, unlock_private_key
from longarm.evidence.models import EvidenceKey, Variant
from longarm.evidence.storage import evidence_root
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.linking.models import AccessRequest, RequestStatus
from tests.api.helpers import api_token
from tests.cases.helpers import console, new_report, private_key
from tests.conftest import STAFF_PASSWORD, Cast, current_totp, log_in
from tests.evidence.files import png
from tests.evidence.helpers import submit_with_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_store() -> Iterator[None]:
    yield
    shutil.rmtree(evidence_root(), ignore_errors=True)


@dataclass(frozen=True)
class OldSecrets:
    """What a departing caseworker could keep: their password, a copy of their locked private key as the
    database held it, and an API token."""

    password: str
    locked: LockedPrivateKey
    cost: Argon2Cost
    token: str

    def private_key(self) -> bytes:
        return unlock_private_key(self.locked, self.password, cost=self.cost)


def every_stored_binary_value() -> list[bytes]:
    """Every value of every binary column of every model: wherever a seal might be kept, now or later."""
    values = []
    for model in apps.get_models():
        names = [field.name for field in model._meta.concrete_fields if isinstance(field, models.BinaryField)]
        for name in names:
            values += [bytes(value) for value in model._default_manager.values_list(name, flat=True) if value]
    return values


def opened_with(private_key: bytes) -> list[bytes]:
    opened = []
    for value in every_stored_binary_value():
        try:
            opened.append(unseal(private_key, value))
        except DecryptionError:
            continue
    return opened


def readers(cast: Cast) -> None:
    cast.other_caseworker.receives_new_reports = True
    cast.other_caseworker.save(update_fields=["receives_new_reports"])


def holdings(cast: Cast) -> tuple[Case, Report, Report]:
    """The caseworker holds every kind of seal, each shared with a colleague: a report with a file, a case
    granted to a colleague, an approved identity, a pending disclosure request, a pending access request."""
    readers(cast)
    submit_with_files(Client(), {"photo.png": png()})
    first = Report.objects.latest("id")
    second = new_report()
    worker, key = cast.caseworker, private_key(cast.caseworker)
    case = case_open(actor=worker, private_key=key, report=first)
    case_grant(actor=worker, private_key=key, case=case, grantee=cast.other_caseworker)
    request = disclosure_request(actor=worker, private_key=key, report=first, reason="welfare check")
    disclosure_approve(actor=cast.custodian, private_key=private_key(cast.custodian), request=request)
    disclosure_request(actor=worker, private_key=key, report=second, reason="police asked")
    other = case_open(
        actor=cast.other_caseworker, private_key=private_key(cast.other_caseworker), report=second
    )
    AccessRequest.objects.create(case=other, requester=worker, because_of=case, created_at=timezone.now())
    return case, first, second


def keep_secrets(user: StaffUser) -> OldSecrets:
    user.refresh_from_db()
    return OldSecrets(
        password=STAFF_PASSWORD,
        locked=LockedPrivateKey(salt=bytes(user.private_key_salt), ciphertext=bytes(user.private_key_locked)),
        cost=user.private_key_cost,
        token=api_token(user),
    )


def offboard(*args: str) -> str:
    out = io.StringIO()
    call_command("staff", "offboard", *args, stdout=out)
    return out.getvalue()


def test_after_offboarding_the_old_password_and_key_open_no_seal_in_the_database(cast: Cast) -> None:
    holdings(cast)
    old = keep_secrets(cast.caseworker)
    # Report and case data keys, the approved identity keys, the file's key and two reasons: the scan can
    # find seals, so finding none afterwards means something.
    assert len(opened_with(old.private_key())) >= 7

    offboard("casey")

    assert opened_with(old.private_key()) == []
    cast.caseworker.refresh_from_db()
    assert bytes(cast.caseworker.private_key_locked) == b""
    assert bytes(cast.caseworker.public_key) == b""
    with pytest.raises(TokenRefused):
        api_token_authenticate(secret=old.token)
    assert all(
        bytes(token.wrapped_private_key) == b"" for token in ApiToken.objects.filter(user=cast.caseworker)
    )


def test_offboarding_deletes_every_seal_to_the_person_and_keeps_colleagues_reading(cast: Cast) -> None:
    case, first, _second = holdings(cast)
    worker = cast.caseworker

    output = offboard("casey")

    assert "casey is offboarded" in output
    assert not SealedKey.objects.filter(staff=worker).exists()
    assert not CaseKey.objects.filter(staff=worker).exists()
    assert not EvidenceKey.objects.filter(staff=worker).exists()
    assert not Assignment.objects.filter(staff=worker).exists()
    assert not DisclosureRequest.objects.filter(requester=worker, status=DisclosureStatus.PENDING).exists()
    assert not AccessRequest.objects.filter(requester=worker, status=RequestStatus.PENDING).exists()
    assert not TOTPDevice.objects.filter(user=worker).exists()
    colleague = cast.other_caseworker
    assert open_case_key(
        case=case, kind=CaseKeyKind.DATA, staff=colleague, private_key=private_key(colleague)
    )
    assert EvidenceKey.objects.filter(staff=colleague, blob__item__report=first).exists()
    worker.refresh_from_db()
    assert (worker.is_active, worker.receives_new_reports, worker.has_usable_password()) == (
        False,
        False,
        False,
    )


def test_new_reports_are_never_sealed_to_an_offboarded_caseworker(cast: Cast) -> None:
    readers(cast)
    offboard("casey")
    report = new_report()
    assert not SealedKey.objects.filter(report=report, staff=cast.caseworker).exists()
    assert SealedKey.objects.filter(report=report, staff=cast.other_caseworker).exists()


def test_one_audit_event_records_counts_and_no_reference(cast: Cast) -> None:
    case, first, second = holdings(cast)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    offboard("casey")
    events = list(AuditEvent.objects.filter(pk__gt=last))
    assert len(events) == 1
    event = events[0]
    assert event.action.startswith("staff.offboard:keys=")
    assert (event.object_type, event.object_id, event.actor_kind) == (
        "staff",
        str(cast.caseworker.pk),
        "system",
    )
    for reference in (case.reference, first.reference, second.reference, str(first.public_id)):
        assert reference not in event.action


def test_offboarding_ends_the_persons_sessions_and_no_one_elses(cast: Cast) -> None:
    theirs, colleague = Client(), Client()
    log_in(theirs, cast.caseworker)
    log_in(colleague, cast.other_caseworker)
    assert theirs.get(reverse("cases:inbox")).status_code == 200

    offboard("casey")

    sessions = [session.get_decoded().get(SESSION_KEY) for session in Session.objects.all()]
    assert str(cast.caseworker.pk) not in sessions
    assert str(cast.other_caseworker.pk) in sessions
    response = theirs.get(reverse("cases:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert colleague.get(reverse("cases:inbox")).status_code == 200


def test_an_offboarded_account_cannot_log_in_again(cast: Cast) -> None:
    device = TOTPDevice.objects.get(user=cast.caseworker)
    code = current_totp(cast.caseworker)
    offboard("casey")
    # Even if someone restored the device from a copy of its secret, the account stays shut.
    device.pk = None
    device.save()
    response = Client().post(
        reverse("accounts:login"), {"username": "casey", "password": STAFF_PASSWORD, "otp_token": code}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in response.wsgi_request.session


def test_an_inactive_account_never_logs_in_even_with_password_and_code(cast: Cast) -> None:
    token = api_token(cast.caseworker)
    StaffUser.objects.filter(pk=cast.caseworker.pk).update(is_active=False)
    response = Client().post(
        reverse("accounts:login"),
        {"username": "casey", "password": STAFF_PASSWORD, "otp_token": current_totp(cast.caseworker)},
    )
    assert response.status_code == 200
    assert SESSION_KEY not in response.wsgi_request.session
    assert Client().get("/api/reports", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_api_tokens_of_an_offboarded_account_fail(cast: Cast) -> None:
    token = api_token(cast.caseworker)
    assert Client().get("/api/reports", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    offboard("casey")
    assert Client().get("/api/reports", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert ApiToken.objects.get(user=cast.caseworker).revoked_at is not None


def test_a_case_held_by_the_person_alone_refuses_offboarding_and_is_listed(cast: Cast) -> None:
    report = new_report()
    case = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=report)

    with pytest.raises(CommandError, match="--force") as refusal:
        call_command("staff", "offboard", "casey", stdout=(out := io.StringIO()))
    assert "recovery key" in str(refusal.value)
    listing = out.getvalue()
    assert f"case {case.reference} (content)" in listing
    assert f"report {report.reference} (content)" in listing
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.is_active
    assert CaseKey.objects.filter(staff=cast.caseworker).exists()

    forced = offboard("casey", "--force")
    assert f"case {case.reference}" in forced
    assert not CaseKey.objects.filter(staff=cast.caseworker).exists()
    page = console(cast.admin).get(reverse("cases:staff_list")).content.decode()
    assert "Readable only with the recovery key" in page
    assert case.reference in page
    assert report.reference in page


def test_the_last_custodian_leaving_leaves_identities_to_the_recovery_key(
    cast: Cast, make_staff: Callable[..., StaffUser]
) -> None:
    report = new_report()
    with pytest.raises(UnheldAfterOffboarding) as refusal:
        staff_offboard(actor=cast.admin, staff=cast.custodian)
    assert [(item.reference, item.identity, item.content) for item in refusal.value.plan.unheld_reports] == [
        (report.reference, True, False)
    ]
    make_staff("carl", Role.CUSTODIAN)
    later = new_report()
    with pytest.raises(UnheldAfterOffboarding) as again:
        staff_offboard(actor=cast.admin, staff=cast.custodian)
    # The new custodian holds the later report's identity, not the earlier one's.
    assert [item.reference for item in again.value.plan.unheld_reports] == [report.reference]
    assert later.reference not in offboard("cora", "--dry-run")


def test_a_statistics_only_report_entered_by_an_operator_is_not_counted_as_lost(cast: Cast) -> None:
    report = new_report(consent="statistics_only")
    # As a hotline operator keeps the key of a report they entered.
    SealedKey.objects.create(
        report=report,
        kind=KeyKind.DATA,
        recipient_kind=RecipientKind.STAFF,
        staff=cast.operator,
        sealed=seal(bytes(cast.operator.public_key), bytes(32)),
    )
    plan_output = offboard("oscar", "--dry-run")
    assert report.reference not in plan_output


def test_a_dry_run_changes_nothing(cast: Cast) -> None:
    holdings(cast)
    seals = SealedKey.objects.filter(staff=cast.caseworker).count()
    output = offboard("casey", "--dry-run")
    assert f"Would delete {seals} report key(s)" in output
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.is_active
    assert SealedKey.objects.filter(staff=cast.caseworker).count() == seals


def test_the_command_refuses_unknown_already_offboarded_and_the_last_administrator(cast: Cast) -> None:
    with pytest.raises(CommandError, match="No staff account"):
        offboard("nobody")
    offboard("anna")
    with pytest.raises(CommandError, match="already offboarded"):
        offboard("anna")
    with pytest.raises(CommandError, match="last active administrator"):
        offboard("adam")
    assert StaffUser.objects.get(username="adam").is_active


def test_an_administrator_cannot_offboard_themselves(
    cast: Cast, make_staff: Callable[..., StaffUser]
) -> None:
    make_staff("ada", Role.ADMIN)
    client = console(cast.admin)
    url = reverse("accounts:staff_offboard", args=[cast.admin.pk])
    assert "You cannot offboard yourself" in client.get(url).content.decode()
    response = client.post(url, {"confirm": "on", "unheld_seen": "0"})
    assert "You cannot offboard yourself" in response.content.decode()
    cast.admin.refresh_from_db()
    assert cast.admin.is_active
    with pytest.raises(OffboardingSelf):
        staff_offboard(actor=cast.admin, staff=cast.admin)


def test_the_last_active_administrator_cannot_be_offboarded(
    cast: Cast, make_staff: Callable[..., StaffUser]
) -> None:
    other = make_staff("ada", Role.ADMIN)
    staff_offboard(actor=cast.admin, staff=other)
    with pytest.raises(LastAdministrator):
        staff_offboard(actor=None, staff=cast.admin)


@pytest.mark.parametrize("role", ["caseworker", "investigator", "custodian", "operator", "analyst"])
def test_non_administrators_are_refused_the_offboarding_page(cast: Cast, role: str) -> None:
    client = console(getattr(cast, role))
    url = reverse("accounts:staff_offboard", args=[cast.other_caseworker.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "on", "unheld_seen": "0"}).status_code == 403
    cast.other_caseworker.refresh_from_db()
    assert cast.other_caseworker.is_active


def test_anonymous_visitors_are_sent_to_log_in(cast: Cast) -> None:
    response = Client().post(
        reverse("accounts:staff_offboard", args=[cast.other_caseworker.pk]), {"confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_console_shows_what_goes_and_offboards_only_once_confirmed(cast: Cast) -> None:
    holdings(cast)
    admin = console(cast.admin)
    url = reverse("accounts:staff_offboard", args=[cast.caseworker.pk])
    assert url in admin.get(reverse("cases:staff_list")).content.decode()
    page = admin.get(url).content.decode()
    assert "Offboard casey" in page
    assert "Left to the recovery key alone" not in page

    unconfirmed = admin.post(url, {"unheld_seen": "0"})
    assert "Please confirm before offboarding." in unconfirmed.content.decode()
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.is_active

    response = admin.post(url, {"confirm": "on", "unheld_seen": "0"})
    assert response.status_code == 302
    cast.caseworker.refresh_from_db()
    assert not cast.caseworker.is_active
    event = AuditEvent.objects.get(action__startswith="staff.offboard")
    assert (event.actor, event.actor_kind) == (cast.admin, "staff")
    listing = admin.get(reverse("cases:staff_list")).content.decode()
    assert "(offboarded)" in listing
    assert url not in listing


def test_the_console_lists_what_would_be_lost_and_needs_it_accepted(cast: Cast) -> None:
    case = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=new_report())
    cast.investigator.receives_new_reports = True  # the caseworker is not the last to receive new reports
    cast.investigator.save(update_fields=["receives_new_reports"])
    admin = console(cast.admin)
    url = reverse("accounts:staff_offboard", args=[cast.caseworker.pk])
    page = admin.get(url).content.decode()
    assert "Left to the recovery key alone" in page
    assert case.reference in page

    refused = admin.post(url, {"confirm": "on", "unheld_seen": "2"}).content.decode()
    assert "Please accept this" in refused
    stale = admin.post(url, {"confirm": "on", "accept_unheld": "on", "unheld_seen": "1"}).content.decode()
    assert "changed since the page was opened" in stale
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.is_active

    admin.post(url, {"confirm": "on", "accept_unheld": "on", "unheld_seen": "2"})
    cast.caseworker.refresh_from_db()
    assert not cast.caseworker.is_active


def test_an_inactive_account_cannot_be_chosen_to_receive_new_reports(cast: Cast) -> None:
    offboard("otto")
    console(cast.admin).post(
        reverse("cases:staff_receives_reports", args=[cast.other_caseworker.pk]), {"receives": "on"}
    )
    cast.other_caseworker.refresh_from_db()
    assert not cast.other_caseworker.receives_new_reports


def test_an_account_that_cannot_log_in_is_sealed_nothing_new(
    cast: Cast,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[list[Callable[[], None]]]],
) -> None:
    """However an account came to be inactive, keys derived from the holders of a case or a report (a report
    added to the case, a file's sanitised copy) go to active holders only."""
    worker, key, colleague = cast.caseworker, private_key(cast.caseworker), cast.other_caseworker
    case = case_open(actor=worker, private_key=key, report=new_report())
    case_grant(actor=worker, private_key=key, case=case, grantee=colleague)
    with django_capture_on_commit_callbacks(execute=False) as processing:
        submit_with_files(Client(), {"photo.png": png()})
    with_file = Report.objects.latest("id")
    case_add_report(actor=worker, private_key=key, case=case, report=with_file)
    StaffUser.objects.filter(pk=colleague.pk).update(is_active=False)

    for task in processing:
        task()
    later = new_report()
    case_add_report(actor=worker, private_key=key, case=case, report=later)

    copies = EvidenceKey.objects.filter(blob__item__report=with_file).exclude(blob__variant=Variant.ORIGINAL)
    assert copies.filter(staff=worker).exists()
    assert not copies.filter(staff=colleague).exists()
    assert not SealedKey.objects.filter(report=later, staff=colleague).exists()


def test_a_long_list_is_cut_on_the_page_and_points_to_the_dry_run(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("longarm.accounts.views.LISTED_AT_MOST", 1)
    report = new_report()
    case = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=report)
    page = console(cast.admin).get(reverse("accounts:staff_offboard", args=[cast.caseworker.pk])).content
    text = page.decode()
    assert case.reference in text
    assert report.reference not in text
    assert "and 1 more" in text
    assert "longarm staff offboard casey --dry-run" in text
