"""Merging re-encrypts everything of the merged case under the surviving case's keys; splitting gives a report
a case of its own."""

import pytest
from django.urls import reverse

from longarm.cases.casefile import case_file
from longarm.cases.coding.services import (
    IncidentInput,
    PersonInput,
    identifier_add,
    incident_create,
    person_create,
)
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import decrypt_json, open_case_key, seal_case_key
from longarm.cases.merge import case_merge
from longarm.cases.models import (
    Case,
    CaseKeyKind,
    CaseReport,
    IdentifierKind,
    Note,
    PersonRole,
    ReferralKind,
    ReferralStatus,
)
from longarm.cases.referrals.selectors import referral_view
from longarm.cases.referrals.services import ReferralInput, referral_change_status, referral_create
from longarm.cases.selectors import case_keys
from longarm.cases.services import case_grant, note_add
from longarm.crypto.errors import DecryptionError
from longarm.intake.models import Report
from tests.cases.helpers import console, opened_case, private_key
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def _fill(case: Case, cast: Cast, words: str) -> None:
    key = private_key(cast.caseworker)
    note_add(actor=cast.caseworker, private_key=key, case=case, text=f"note {words}")
    incident_create(
        actor=cast.caseworker, private_key=key, case=case, data=IncidentInput(description=f"incident {words}")
    )
    person = person_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=PersonInput(role=PersonRole.PERPETRATOR, label=f"Officer {words}", details={"agency": words}),
    )
    identifier_add(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        kind=IdentifierKind.WECHAT,
        value=f"wx_{words}",
        person=person,
    )


def test_merging_moves_reports_and_re_encrypts_content_under_the_surviving_case(cast: Cast) -> None:
    target = opened_case(cast, summary="target summary", what_happened="First report about the call.")
    source = opened_case(cast, summary="source summary", what_happened="Second report, the visit.")
    _fill(source, cast, "alpha")
    old_note = bytes(Note.objects.get().ciphertext)
    case_grant(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=target,
        grantee=cast.investigator,
    )
    staff = console(cast.caseworker)
    response = staff.post(
        reverse("cases:case_merge", args=[target.public_id]),
        {"source": str(source.public_id), "confirm": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Case.objects.filter(pk=source.pk).exists()
    assert CaseReport.objects.filter(case=target).count() == 2
    note = Note.objects.get()
    assert note.case == target
    assert bytes(note.ciphertext) != old_note
    # The old key and context no longer open it; the target's do.
    target_key = open_case_key(
        case=target, kind=CaseKeyKind.DATA, staff=cast.caseworker, private_key=private_key(cast.caseworker)
    )
    with pytest.raises(DecryptionError):
        decrypt_json(
            target_key, old_note, context=f"longarm case {source.public_id} note {note.public_id}".encode()
        )
    # A member of the surviving case who never held the merged one reads all of it, reports included.
    investigator = cast.investigator
    target.refresh_from_db()
    keys = case_keys(case=target, user=investigator, private_key=private_key(investigator))
    file = case_file(case=target, user=investigator, private_key=private_key(investigator), keys=keys)
    assert "target summary" in file.summary
    assert "source summary" in file.summary
    assert [note.text for note in file.notes] == ["note alpha"]
    assert file.incidents[0].description == "incident alpha"
    assert file.persons[0].details["agency"] == "alpha"
    assert file.persons[0].identifiers[0].value == "wx_alpha"
    assert sorted(report.what_happened or "" for report in file.reports) == [
        "First report about the call.",
        "Second report, the visit.",
    ]
    page = console(investigator).get(reverse("cases:case", args=[target.public_id])).content.decode()
    assert "Another case was merged into this one" in page


def test_merging_keeps_the_higher_urgency_and_earlier_due_date(cast: Cast) -> None:
    target, source = opened_case(cast), opened_case(cast)
    Case.objects.filter(pk=source.pk).update(urgency="critical", due_on="2030-01-01", do_not_remove=True)
    source.refresh_from_db()
    case_merge(actor=cast.caseworker, private_key=private_key(cast.caseworker), target=target, source=source)
    target.refresh_from_db()
    assert (target.urgency, str(target.due_on), target.do_not_remove) == ("critical", "2030-01-01", True)


def test_names_under_an_identity_key_are_re_encrypted_only_by_a_holder_of_both(cast: Cast) -> None:
    target, source = opened_case(cast), opened_case(cast)
    for case in (target, source):
        key = open_case_key(
            case=case,
            kind=CaseKeyKind.IDENTITY,
            staff=cast.custodian,
            private_key=private_key(cast.custodian),
        )
        seal_case_key(case=case, kind=CaseKeyKind.IDENTITY, key=key, staff=cast.caseworker)
    person_create(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=source,
        data=PersonInput(role=PersonRole.RELATIVE, label="Mother", identity={"name": "Oyunaa"}),
    )
    case_grant(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=target,
        grantee=cast.investigator,
    )
    case_grant(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=source,
        grantee=cast.investigator,
    )
    with pytest.raises(NotAllowed):
        case_merge(
            actor=cast.investigator, private_key=private_key(cast.investigator), target=target, source=source
        )
    assert Case.objects.filter(pk=source.pk).exists()
    case_merge(actor=cast.caseworker, private_key=private_key(cast.caseworker), target=target, source=source)
    custodian = cast.custodian
    identity_key = open_case_key(
        case=target, kind=CaseKeyKind.IDENTITY, staff=custodian, private_key=private_key(custodian)
    )
    person = target.persons.get()
    name = decrypt_json(
        identity_key,
        person.identity_ciphertext,
        context=f"longarm case {target.public_id} person {person.public_id} identity".encode(),
    )
    assert name == {"name": "Oyunaa"}


def test_a_case_cannot_be_merged_by_someone_who_does_not_hold_it(cast: Cast) -> None:
    target, source = opened_case(cast), opened_case(cast)
    case_grant(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=target,
        grantee=cast.investigator,
    )
    staff = console(cast.investigator)
    response = staff.post(
        reverse("cases:case_merge", args=[target.public_id]),
        {"source": str(source.public_id), "confirm": "on"},
    )
    assert response.status_code == 200
    assert Case.objects.filter(pk=source.pk).exists()


def test_splitting_moves_one_report_into_a_new_readable_case(cast: Cast) -> None:
    target, source = opened_case(cast), opened_case(cast, what_happened="The visit to my flat.")
    case_merge(actor=cast.caseworker, private_key=private_key(cast.caseworker), target=target, source=source)
    report = Report.objects.filter(case_link__case=target).latest("id")
    staff = console(cast.caseworker)
    response = staff.post(reverse("cases:case_split", args=[target.public_id, report.public_id]))
    new_case = Case.objects.exclude(pk=target.pk).get()
    assert response["Location"] == reverse("cases:case", args=[new_case.public_id])
    assert CaseReport.objects.get(report=report).case == new_case
    assert "The visit to my flat." in staff.get(response["Location"]).content.decode()
    assert target.case_reports.count() == 1


def test_the_only_report_of_a_case_cannot_be_split_off(cast: Cast) -> None:
    case = opened_case(cast)
    console(cast.caseworker).post(
        reverse("cases:case_split", args=[case.public_id, Report.objects.get().public_id])
    )
    assert Case.objects.count() == 1


def test_merging_re_encrypts_the_referrals_and_their_history(cast: Cast) -> None:
    target, source = opened_case(cast), opened_case(cast)
    key = private_key(cast.caseworker)
    referral = referral_create(
        actor=cast.caseworker,
        private_key=key,
        case=source,
        data=ReferralInput(
            kind=ReferralKind.SUPPORT, support_type="legal_aid", details={"notes": "lawyer Sato"}
        ),
    )
    referral_change_status(
        actor=cast.caseworker,
        private_key=key,
        referral=referral,
        status=ReferralStatus.SENT,
        on=referral.created_on,
        note="emailed",
    )
    case_merge(actor=cast.caseworker, private_key=key, target=target, source=source)
    referral.refresh_from_db()
    assert referral.case == target
    data_key = open_case_key(case=target, kind=CaseKeyKind.DATA, staff=cast.caseworker, private_key=key)
    view = referral_view(referral=referral, data_key=data_key, identity_key=None)
    assert view.details["notes"] == "lawyer Sato"
    assert [event.note for event in view.events][-1] == "emailed"
