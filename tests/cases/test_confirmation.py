"""Destructive staff actions ask for confirmation: a GET changes nothing, and a POST without the ticked box
only shows what will happen (a scanner that submitted every form it found closed every case)."""

import pytest
from django.test import Client
from django.urls import reverse

from longarm.cases.attestations.services import attestation_issue
from longarm.cases.coding.services import identifier_add
from longarm.cases.models import Attestation, Case, CaseStatus, Identifier, IdentifierKind
from tests.cases.referral_helpers import open_case, private_key
from tests.conftest import Cast, log_in

pytestmark = pytest.mark.django_db


def _staff(cast: Cast) -> Client:
    client = Client()
    log_in(client, cast.caseworker)
    return client


def test_closing_a_case_asks_first_and_a_get_changes_nothing(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast)
    url = reverse("cases:case_status", args=[case.public_id])
    assert staff.get(url).status_code == 405
    page = staff.post(url, {"status": CaseStatus.CLOSED}).content.decode()
    assert Case.objects.get(pk=case.pk).status != CaseStatus.CLOSED
    assert f"Close case {case.reference}?" in page
    assert 'name="confirmed"' in page
    assert 'name="status" value="closed"' in page
    staff.post(url, {"status": CaseStatus.CLOSED, "confirmed": "yes"})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_other_status_changes_need_no_confirmation(cast: Cast) -> None:
    case = open_case(cast)
    _staff(cast).post(reverse("cases:case_status", args=[case.public_id]), {"status": CaseStatus.TRIAGE})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.TRIAGE


def test_do_not_remove_asks_first(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast)
    url = reverse("cases:case_do_not_remove", args=[case.public_id])
    assert staff.get(url).status_code == 405
    page = staff.post(url, {"do_not_remove": "on"}).content.decode()
    assert not Case.objects.get(pk=case.pk).do_not_remove
    assert "do not remove" in page
    staff.post(url, {"do_not_remove": "on", "confirmed": "yes"})
    assert Case.objects.get(pk=case.pk).do_not_remove


def _identifier(cast: Cast, case: Case) -> Identifier:
    identifier_add(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=case,
        kind=IdentifierKind.PHONE,
        value="+8613800138000",
    )
    return Identifier.objects.get()


def _attestation(cast: Cast, case: Case) -> Attestation:
    attestation_issue(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=case,
        signatory_name="Casey",
        signatory_role="Caseworker",
    )
    return Attestation.objects.get()


def test_deleting_an_identifier_asks_first(cast: Cast) -> None:
    case = open_case(cast)
    identifier = _identifier(cast, case)
    staff = _staff(cast)
    url = reverse("cases:identifier_delete", args=[case.public_id, identifier.public_id])
    assert staff.get(url).status_code == 405
    assert "Delete this identifier?" in staff.post(url).content.decode()
    assert Identifier.objects.exists()
    staff.post(url, {"confirmed": "yes"})
    assert not Identifier.objects.exists()


def test_revoking_an_attestation_asks_first(cast: Cast) -> None:
    case = open_case(cast)
    attestation = _attestation(cast, case)
    staff = _staff(cast)
    url = reverse("cases:attestation_revoke", args=[case.public_id, attestation.reference])
    assert staff.get(url).status_code == 405
    assert f"Revoke attestation {attestation.reference}?" in staff.post(url).content.decode()
    attestation.refresh_from_db()
    assert attestation.revoked_on is None
    staff.post(url, {"confirmed": "yes"})
    attestation.refresh_from_db()
    assert attestation.revoked_on is not None


def test_the_identifier_delete_button_is_labelled_in_words_not_a_bare_cross(cast: Cast) -> None:
    case = open_case(cast)
    identifier = _identifier(cast, case)
    page = _staff(cast).get(reverse("cases:case", args=[case.public_id])).content.decode()
    url = reverse("cases:identifier_delete", args=[case.public_id, identifier.public_id])
    form = page[page.index(f'action="{url}"') :]
    button = form[form.index("<button") : form.index("</button>")]
    assert "Delete identifier…" in button
    assert "×" not in button
