"""Incidents, persons and identifiers coded on a case through the console."""

import pytest
from django.urls import reverse

from longarm.cases.coding.services import PersonInput, person_create
from longarm.cases.exceptions import NotAllowed
from longarm.cases.models import Identifier, Incident, Involvement, Person, PersonRole
from longarm.crypto.blind_index import blind_index
from longarm.linking.index import current_linking_key
from tests.cases.helpers import approve_identity, console, opened_case, private_key
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_an_incident_is_coded_with_date_precision_tactics_place_and_people(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    staff.post(
        reverse("cases:person_new", args=[case.public_id]),
        {
            "role": "perpetrator",
            "label": "Officer 1",
            "name": "Wang Wei",
            "agency": "Hohhot PSB",
            "rank": "Sgt",
        },
    )
    staff.post(reverse("cases:person_new", args=[case.public_id]), {"role": "relative", "label": "Mother"})
    officer, mother = Person.objects.get(label="Officer 1"), Person.objects.get(label="Mother")
    response = staff.post(
        reverse("cases:incident_new", args=[case.public_id]),
        {
            "year": "2025",
            "month": "3",
            "approximate": "on",
            "tactics": ["proxy_coercion_family", "threat_direct"],
            "channels": ["wechat"],
            "harms": ["self_censorship"],
            "host_country": "JP",
            "host_region": "JP-13",
            "origin_region": "inner_mongolia",
            "description": "Officer called the mother and threatened her pension.",
            "targets": [str(mother.public_id)],
            "perpetrators": [str(officer.public_id)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get()
    assert (incident.year, incident.month, incident.day, incident.precision) == (2025, 3, None, "month")
    assert incident.approximate
    assert incident.tactics == ["proxy_coercion_family", "threat_direct"]
    assert (incident.host_country, incident.host_region, incident.origin_region) == (
        "JP",
        "JP-13",
        "inner_mongolia",
    )
    assert b"pension" not in bytes(incident.description_ciphertext)
    kinds = {(item.person.label, item.kind) for item in Involvement.objects.all()}
    assert kinds == {("Mother", "target"), ("Officer 1", "perpetrator")}
    page = staff.get(reverse("cases:case", args=[case.public_id])).content.decode()
    assert "threatened her pension" in page
    assert "about 2025-03" in page
    assert "Wang Wei" in page
    assert "Hohhot PSB" in page


def test_an_incident_can_be_edited(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    staff.post(reverse("cases:incident_new", args=[case.public_id]), {"description": "First version."})
    incident = Incident.objects.get()
    assert incident.precision == "unknown"
    url = reverse("cases:incident_edit", args=[case.public_id, incident.public_id])
    assert "First version." in staff.get(url).content.decode()
    staff.post(url, {"description": "Second version.", "year": "2024", "month": "2", "day": "29"})
    incident.refresh_from_db()
    assert (incident.year, incident.month, incident.day, incident.precision) == (2024, 2, 29, "day")
    assert "Second version." in staff.get(reverse("cases:case", args=[case.public_id])).content.decode()


def test_an_impossible_or_future_date_is_refused(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    url = reverse("cases:incident_new", args=[case.public_id])
    assert staff.post(url, {"description": "x", "year": "2023", "month": "2", "day": "30"}).status_code == 200
    assert staff.post(url, {"description": "x", "day": "3"}).status_code == 200
    assert not Incident.objects.exists()


def test_a_caseworker_without_the_identity_key_cannot_write_a_relatives_name(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    response = staff.post(
        reverse("cases:person_new", args=[case.public_id]),
        {"role": "relative", "label": "Mother", "name": "Oyunaa"},
    )
    assert response.status_code == 200
    assert "identity key" in response.content.decode()
    assert not Person.objects.exists()
    with pytest.raises(NotAllowed):
        person_create(
            actor=cast.caseworker,
            private_key=private_key(cast.caseworker),
            case=case,
            data=PersonInput(role=PersonRole.RELATIVE, label="Mother", identity={"name": "Oyunaa"}),
        )


def test_a_relatives_name_is_under_the_identity_key_and_hidden_from_other_members(cast: Cast) -> None:
    case = opened_case(cast)
    approve_identity(case, cast)
    staff = console(cast.caseworker)
    staff.post(
        reverse("cases:person_new", args=[case.public_id]),
        {"role": "relative", "label": "Mother", "name": "Oyunaa Bat", "relationship": "mother"},
    )
    person = Person.objects.get()
    assert b"Oyunaa" not in bytes(person.identity_ciphertext)
    assert "Oyunaa Bat" in staff.get(reverse("cases:case", args=[case.public_id])).content.decode()
    staff.post(reverse("cases:case_grant", args=[case.public_id]), {"grantee": cast.investigator.pk})
    other = console(cast.investigator)
    page = other.get(reverse("cases:case", args=[case.public_id])).content.decode()
    assert "Mother" in page
    assert "Oyunaa" not in page
    # Editing the details without the identity key keeps the name.
    other.post(
        reverse("cases:person_edit", args=[case.public_id, person.public_id]),
        {"role": "relative", "label": "Mother A", "relationship": "mother"},
    )
    person.refresh_from_db()
    assert person.label == "Mother A"
    assert "Oyunaa Bat" in staff.get(reverse("cases:case", args=[case.public_id])).content.decode()


def test_identifiers_are_encrypted_with_a_blind_index_of_their_normal_form(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    staff.post(
        reverse("cases:identifier_new", args=[case.public_id]),
        {"kind": "phone", "value": "+86 138-0013-8000"},
    )
    identifier = Identifier.objects.get()
    assert b"138" not in bytes(identifier.ciphertext)
    assert bytes(identifier.blind_index) == blind_index(current_linking_key().key, "phone", "+8613800138000")
    assert "+86 138-0013-8000" in staff.get(reverse("cases:case", args=[case.public_id])).content.decode()
    staff.post(
        reverse("cases:identifier_delete", args=[case.public_id, identifier.public_id]), {"confirmed": "yes"}
    )
    assert not Identifier.objects.exists()


def test_a_line_id_can_be_chosen_and_typed_in_the_console(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    page = staff.get(reverse("cases:case", args=[case.public_id])).content.decode()
    assert '<option value="line">LINE ID</option>' in page
    staff.post(
        reverse("cases:identifier_new", args=[case.public_id]),
        {"kind": "line", "value": "ライン ID：Taro_1234"},
    )
    identifier = Identifier.objects.get()
    assert identifier.kind == "line"
    assert bytes(identifier.blind_index) == blind_index(current_linking_key().key, "line", "taro_1234")


def test_a_person_of_another_case_cannot_be_involved(cast: Cast) -> None:
    first, second = opened_case(cast), opened_case(cast)
    staff = console(cast.caseworker)
    staff.post(reverse("cases:person_new", args=[first.public_id]), {"role": "perpetrator", "label": "P"})
    stranger = Person.objects.get()
    response = staff.post(
        reverse("cases:incident_new", args=[second.public_id]),
        {"description": "x", "perpetrators": [str(stranger.public_id)]},
    )
    assert response.status_code == 200
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("phone", "not a phone", "Nothing in this value can be matched"),
        ("email", "foo", "Enter a valid email address."),
        ("wechat", "  ", "choose its kind and type its value"),
    ],
)
def test_an_identifier_nothing_can_be_matched_on_is_refused_and_costs_no_quota(
    cast: Cast, kind: str, value: str, message: str
) -> None:
    from longarm.core.models import ThrottleCounter

    case = opened_case(cast)
    staff = console(cast.caseworker)
    url = reverse("cases:identifier_new", args=[case.public_id])
    page = staff.post(url, {"kind": kind, "value": value}, follow=True).content.decode()
    assert message in page
    assert not Identifier.objects.exists()
    assert not ThrottleCounter.objects.filter(scope__startswith="identifier").exists()


def test_a_number_or_account_the_case_holds_is_not_added_twice_however_it_is_written(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    url = reverse("cases:identifier_new", args=[case.public_id])
    staff.post(url, {"kind": "wechat", "value": "wxid_Ab12"})
    again = staff.post(url, {"kind": "wechat", "value": "WXID_AB12 "}, follow=True).content.decode()
    assert "The case already holds this identifier." in again
    staff.post(url, {"kind": "phone", "value": "+86 138 0013 8000"})
    staff.post(url, {"kind": "phone", "value": "0086 138-0013-8000"})
    # Two people of a case may share a name: names are kept each time.
    staff.post(url, {"kind": "name", "value": "Li Na"})
    staff.post(url, {"kind": "name", "value": "Li Na"})
    assert sorted(Identifier.objects.values_list("kind", flat=True)) == ["name", "name", "phone", "wechat"]
