"""Staff administration in the console (issue 15): adding a member who enrols with a one-time link, changing a
role, resetting a second factor. These run with the two-person rule off (a single-administrator deployment):
each act takes effect at once and is audited. ``test_two_person_rule.py`` runs the same acts with it on."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from longarm.accounts.administration import Change, staff_change, staff_reset_second_factor
from longarm.accounts.enrolment import ENROLMENT_WRONG_PASSWORDS
from longarm.accounts.exceptions import ChangeRefused
from longarm.accounts.models import Enrolment, ProposalKind, Role, StaffUser
from longarm.audit.models import AuditEvent
from longarm.crypto.staff_keys import LockedPrivateKey, unlock_private_key
from longarm.intake.models import Report, SealedKey
from tests.accounts.helpers import confirmed_post, enrol, enrolling_code, enrolment_token
from tests.conftest import STAFF_PASSWORD, Cast, current_totp, log_in
from tests.gate.helpers import gate_fields
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "the river runs past the old mill 42"


def _console(user: StaffUser) -> Client:
    client = Client()
    log_in(client, user)
    return client


def _add(admin: Client, username: str = "nadia", role: Role = Role.CASEWORKER) -> str:
    response = admin.post(reverse("accounts:staff_add"), {"username": username, "role": role.value})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _actions(staff: StaffUser) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="staff", object_id=str(staff.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def _logged_in(client: Client) -> bool:
    response = client.get(reverse("cases:home"))
    return not (response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")))


def test_an_added_member_enrols_with_the_one_time_link_and_is_logged_in(cast: Cast) -> None:
    page = _add(_console(cast.admin))
    assert "It is shown only now." in page
    member = StaffUser.objects.get(username="nadia")
    # Until they enrol, the account holds no key and cannot log in: nothing can be sealed to it.
    assert not member.is_active
    assert not bytes(member.public_key)
    assert not member.offboarded
    assert not member.has_usable_password()
    token = enrolment_token(page)

    newcomer = Client()
    enrol_page = newcomer.get(reverse("accounts:enrol", args=[token])).content.decode()
    assert "<svg" in enrol_page
    assert "Choose a password" in enrol_page
    assert enrol(newcomer, token, password=NEW_PASSWORD, code=enrolling_code(member)) == 302
    assert _logged_in(newcomer)

    member.refresh_from_db()
    assert member.is_active
    assert member.check_password(NEW_PASSWORD)
    locked = LockedPrivateKey(
        salt=bytes(member.private_key_salt), ciphertext=bytes(member.private_key_locked)
    )
    assert len(unlock_private_key(locked, NEW_PASSWORD, cost=member.private_key_cost)) == 32
    assert TOTPDevice.objects.get(user=member).confirmed
    assert not Enrolment.objects.filter(staff=member).exists()
    assert _actions(member)[:2] == ["staff.create:caseworker", "staff.enrol"]
    # The link works once.
    assert Client().get(reverse("accounts:enrol", args=[token])).status_code == 404


def test_the_administrator_never_knows_a_password_that_opens_the_new_key(cast: Cast) -> None:
    page = _add(_console(cast.admin))
    member = StaffUser.objects.get(username="nadia")
    # The key pair is made when the member chooses their password, not before: the page shows no password.
    assert STAFF_PASSWORD not in page
    assert "password" not in page.split("It is shown only now.")[1].lower()
    enrol(Client(), enrolment_token(page), password=NEW_PASSWORD, code=enrolling_code(member))
    member.refresh_from_db()
    assert bytes(member.public_key)


def test_a_member_who_has_not_enrolled_cannot_log_in(cast: Cast) -> None:
    _add(_console(cast.admin))
    response = Client().post(
        reverse("accounts:login"),
        {"username": "nadia", "password": "", "otp_token": "123456", **gate_fields("login", level=0)},
    )
    assert response.status_code == 200


def test_enrolment_refuses_a_wrong_code_a_weak_password_and_a_lapsed_link(cast: Cast) -> None:
    page = _add(_console(cast.admin))
    member, token, client = StaffUser.objects.get(username="nadia"), enrolment_token(page), Client()
    wrong = f"{(int(enrolling_code(member)) + 1) % 1000000:06d}"
    response = client.post(
        reverse("accounts:enrol", args=[token]),
        {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD, "otp_token": wrong},
    )
    assert "That code did not match" in response.content.decode()
    assert "error-summary" in response.content.decode()
    weak = client.post(
        reverse("accounts:enrol", args=[token]),
        {"password": "short", "repeat": "short", "otp_token": enrolling_code(member)},
    )
    assert weak.status_code == 200
    assert "error-summary" in weak.content.decode()
    member.refresh_from_db()
    assert not member.is_active
    assert not bytes(member.public_key)
    Enrolment.objects.filter(staff=member).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("accounts:enrol", args=[token])).status_code == 404
    assert enrol(client, token, password=NEW_PASSWORD, code=enrolling_code(member)) == 404


def test_a_taken_user_name_is_shown_in_the_error_summary(cast: Cast) -> None:
    page = _add(_console(cast.admin), username="CASEY")
    assert "error-summary" in page
    assert "That user name is taken." in page
    assert StaffUser.objects.filter(username__iexact="casey").count() == 1


def _investigator_receives_too(cast: Cast) -> None:
    cast.investigator.receives_new_reports = True
    cast.investigator.save(update_fields=["receives_new_reports"])


@pytest.mark.parametrize(
    "change",
    [
        Change(kind=ProposalKind.ROUTING, receives=False),
        Change(kind=ProposalKind.ROLE, role=Role.ANALYST.value),
        Change(kind=ProposalKind.OFFBOARD, accept_unheld=True),
    ],
    ids=["routing", "role", "offboarding"],
)
def test_nobody_is_left_receiving_new_reports(cast: Cast, change: Change) -> None:
    """A report that arrives when nobody receives new reports is sealed to no staff member: readable only
    with the offline recovery key, however urgent. So the last receiver stays until another is chosen."""
    last = Change(**{**change.__dict__, "staff": cast.caseworker})
    with pytest.raises(ChangeRefused, match="last person who receives new reports"):
        staff_change(actor=cast.admin, change=last)
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.receives_new_reports
    assert cast.caseworker.is_active
    _investigator_receives_too(cast)
    staff_change(actor=cast.admin, change=last)
    cast.caseworker.refresh_from_db()
    assert not cast.caseworker.receives_new_reports or not cast.caseworker.is_active


def test_the_console_says_why_the_last_receiver_cannot_stop_receiving(cast: Cast) -> None:
    admin = _console(cast.admin)
    url = reverse("cases:staff_receives_reports", args=[cast.caseworker.pk])
    page = admin.post(url, {}, follow=True).content.decode()
    assert "This is the last person who receives new reports" in page
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.receives_new_reports


def test_changing_a_role_asks_for_confirmation_then_takes_effect_and_is_audited(cast: Cast) -> None:
    _investigator_receives_too(cast)
    admin = _console(cast.admin)
    url = reverse("accounts:staff_role", args=[cast.caseworker.pk])
    asked = admin.post(url, {"role": Role.ANALYST.value}).content.decode()
    assert "Yes, I am sure" in asked
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.role == Role.CASEWORKER
    confirmed_post(admin, url, {"role": Role.ANALYST.value})
    cast.caseworker.refresh_from_db()
    # An analyst reads no report: new reports stop being sealed to them.
    assert cast.caseworker.role == Role.ANALYST
    assert not cast.caseworker.receives_new_reports
    assert "staff.role:caseworker>analyst" in _actions(cast.caseworker)
    submit_report(Client())
    assert not SealedKey.objects.filter(report=Report.objects.get(), staff=cast.caseworker).exists()


def test_a_role_form_without_a_role_shows_the_error_summary(cast: Cast) -> None:
    response = _console(cast.admin).post(reverse("accounts:staff_role", args=[cast.caseworker.pk]), {})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


def test_routing_from_the_staff_page_takes_effect_at_once_with_the_rule_off(cast: Cast) -> None:
    _console(cast.admin).post(
        reverse("cases:staff_receives_reports", args=[cast.other_caseworker.pk]), {"receives": "on"}
    )
    cast.other_caseworker.refresh_from_db()
    assert cast.other_caseworker.receives_new_reports
    assert "staff.receives_new_reports.on" in _actions(cast.other_caseworker)


def test_nothing_can_be_done_to_ones_own_account(cast: Cast) -> None:
    for change in (
        Change(kind=ProposalKind.ROLE, staff=cast.admin, role=Role.ANALYST),
        Change(kind=ProposalKind.OFFBOARD, staff=cast.admin),
        Change(kind=ProposalKind.ROUTING, staff=cast.admin, receives=False),
    ):
        with pytest.raises(ChangeRefused):
            staff_change(actor=cast.admin, change=change)
    with pytest.raises(ChangeRefused):
        staff_reset_second_factor(actor=cast.admin, staff=cast.admin)
    page = _console(cast.admin).get(reverse("accounts:staff_member", args=[cast.admin.pk])).content.decode()
    assert "This is your own account" in page
    assert reverse("accounts:staff_role", args=[cast.admin.pk]) not in page
    cast.admin.refresh_from_db()
    assert cast.admin.role == Role.ADMIN
    assert cast.admin.is_active


def test_only_an_administrator_can_make_a_change(cast: Cast) -> None:
    with pytest.raises(ChangeRefused):
        staff_change(
            actor=cast.caseworker, change=Change(kind=ProposalKind.ROLE, staff=cast.analyst, role=Role.ADMIN)
        )
    cast.analyst.refresh_from_db()
    assert cast.analyst.role == Role.ANALYST


def test_resetting_a_second_factor_ends_sessions_and_the_member_enrols_again_with_their_password(
    cast: Cast,
) -> None:
    worker = _console(cast.caseworker)
    old_code = current_totp(cast.caseworker)
    public_key = bytes(cast.caseworker.public_key)
    admin = _console(cast.admin)
    url = reverse("accounts:staff_second_factor", args=[cast.caseworker.pk])
    assert "Yes, I am sure" in admin.post(url).content.decode()
    assert _logged_in(worker)
    page = confirmed_post(admin, url)
    assert not _logged_in(worker)
    assert not TOTPDevice.objects.filter(user=cast.caseworker, confirmed=True).exists()
    refused = Client().post(
        reverse("accounts:login"),
        {
            "username": cast.caseworker.username,
            "password": STAFF_PASSWORD,
            "otp_token": old_code,
            **gate_fields("login", level=0),
        },
    )
    assert refused.status_code == 200  # the old authenticator opens nothing
    token = enrolment_token(page)
    again = Client()
    assert "Give your password" in again.get(reverse("accounts:enrol", args=[token])).content.decode()
    wrong_password = again.post(
        reverse("accounts:enrol", args=[token]),
        {"password": "not my password at all", "otp_token": enrolling_code(cast.caseworker)},
    )
    assert "That is not your password." in wrong_password.content.decode()
    assert enrol(again, token, password=STAFF_PASSWORD, code=enrolling_code(cast.caseworker)) == 302
    assert _logged_in(again)
    cast.caseworker.refresh_from_db()
    # The same key pair: everything sealed to them stays theirs.
    assert bytes(cast.caseworker.public_key) == public_key
    actions = [action.split(":")[0] for action in _actions(cast.caseworker)]
    assert actions.index("staff.second_factor_reset") < actions.index("staff.enrol.second_factor")


def test_a_member_who_lost_the_link_gets_a_new_one_and_the_old_one_stops_working(cast: Cast) -> None:
    admin = _console(cast.admin)
    first = enrolment_token(_add(admin))
    member = StaffUser.objects.get(username="nadia")
    second = enrolment_token(confirmed_post(admin, reverse("accounts:staff_second_factor", args=[member.pk])))
    assert Client().get(reverse("accounts:enrol", args=[first])).status_code == 404
    assert enrol(Client(), second, password=NEW_PASSWORD, code=enrolling_code(member)) == 302


def test_the_staff_page_links_every_member_and_says_the_rule_is_off(cast: Cast) -> None:
    page = _console(cast.admin).get(reverse("cases:staff_list")).content.decode()
    assert reverse("accounts:staff_add") in page
    assert reverse("accounts:staff_member", args=[cast.caseworker.pk]) in page
    assert "The two-person rule is off" in page


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.CUSTODIAN, Role.ANALYST, Role.OPERATOR])
def test_outsiders_are_refused_every_administration_page(cast: Cast, role: Role) -> None:
    person = {
        Role.CASEWORKER: cast.outsider,
        Role.CUSTODIAN: cast.custodian,
        Role.ANALYST: cast.analyst,
        Role.OPERATOR: cast.operator,
    }[role]
    client = _console(person)
    assert client.get(reverse("accounts:staff_add")).status_code == 403
    assert client.get(reverse("accounts:staff_member", args=[cast.caseworker.pk])).status_code == 403
    url = reverse("accounts:staff_role", args=[cast.caseworker.pk])
    assert client.post(url, {"role": "admin", "confirmed": "yes"}).status_code == 403
    url = reverse("accounts:staff_second_factor", args=[cast.caseworker.pk])
    assert client.post(url, {"confirmed": "yes"}).status_code == 403
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.role == Role.CASEWORKER
    assert TOTPDevice.objects.filter(user=cast.caseworker, confirmed=True).exists()
    anonymous = Client().get(reverse("accounts:staff_add"))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))


def test_a_reset_link_is_void_after_a_few_wrong_passwords(cast: Cast) -> None:
    admin = _console(cast.admin)
    url = reverse("accounts:staff_second_factor", args=[cast.caseworker.pk])
    token = enrolment_token(confirmed_post(admin, url))
    intruder = Client()
    for _attempt in range(ENROLMENT_WRONG_PASSWORDS):
        data = {"password": "a guess at the password", "otp_token": enrolling_code(cast.caseworker)}
        intruder.post(reverse("accounts:enrol", args=[token]), data)
    # Whoever intercepted the link gets no unlimited password oracle: the link is void, the member asks again.
    assert intruder.get(reverse("accounts:enrol", args=[token])).status_code == 404
    assert enrol(Client(), token, password=STAFF_PASSWORD, code=enrolling_code(cast.caseworker)) == 404
    assert "staff.enrol.voided" in _actions(cast.caseworker)
