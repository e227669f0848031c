from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.cases.coding.services import identifier_delete
from longarm.cases.merge import case_merge
from longarm.cases.models import Identifier
from longarm.linking.clusters import recluster_all
from longarm.linking.index import current_linking_key
from longarm.linking.models import AccessRequest, ClusterMembership, IdentifierKey, LinkReview
from longarm.linking.selectors import identifier_links
from longarm.retention.services import case_shred
from tests.cases.helpers import console, private_key
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by


def test_an_identifier_gets_one_blind_index_per_match_key_and_no_plaintext(cast: Cast) -> None:
    case = case_held_by(cast)
    identifier = add(case, cast.caseworker, "phone", "+86 138-0013-8000")
    keys = list(IdentifierKey.objects.filter(identifier=identifier))
    assert keys
    assert {key.case_id for key in keys} == {case.pk}
    assert {key.key_version for key in keys} == {current_linking_key().version}
    assert all(len(bytes(key.blind_index)) == 16 for key in keys)
    assert all(b"138" not in bytes(key.blind_index) for key in keys)
    assert bytes(identifier.blind_index) in {bytes(key.blind_index) for key in keys}


def test_the_same_phone_typed_differently_links_two_cases_at_once(cast: Cast) -> None:
    first, second, third = case_held_by(cast), case_held_by(cast), case_held_by(cast)
    mine = add(first, cast.caseworker, "phone", "+86 138 0013 8000")
    add(second, cast.caseworker, "phone", "0086-138-0013-8000")
    add(third, cast.caseworker, "phone", "+86 139 0000 0000")
    links = identifier_links(case=first, user=cast.caseworker)[mine.pk]
    assert [linked.case for linked in links.held] == [second]
    assert links.strength == "strong"
    assert links.hidden_count == 0


def test_a_line_id_typed_on_two_cases_links_them(cast: Cast) -> None:
    first, second, third, fourth = (case_held_by(cast) for _ in range(4))
    mine = add(first, cast.caseworker, "line", "LINE ID：Sato_Consul2024")
    add(second, cast.caseworker, "line", "https://line.me/ti/p/~sato_consul2024")
    add(third, cast.caseworker, "line", "sato.consul2024")  # another account
    add(fourth, cast.caseworker, "wechat", "sato_consul2024")  # another service
    links = identifier_links(case=first, user=cast.caseworker)[mine.pk]
    assert [linked.case for linked in links.held] == [second]
    assert links.strength == "strong"
    page = console(cast.caseworker).get(reverse("cases:case", args=[first.public_id])).content.decode()
    assert "seen in 1 other case" in page
    assert "LINE ID" in page


def test_the_case_page_says_seen_in_n_other_cases_and_the_match_type(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    add(first, cast.caseworker, "badge", "12-34 56")
    add(second, cast.caseworker, "badge", "123456")
    page = console(cast.caseworker).get(reverse("cases:case", args=[first.public_id])).content.decode()
    assert "seen in 1 other case" in page
    assert "strong match" in page
    assert second.reference in page


def test_a_case_the_reader_does_not_hold_is_only_counted(cast: Cast) -> None:
    mine = case_held_by(cast)
    theirs = case_held_by(cast, cast.other_caseworker)
    add(mine, cast.caseworker, "wechat", "wxid_Example")
    add(theirs, cast.other_caseworker, "wechat", " WXID_example ")
    page = console(cast.caseworker).get(reverse("cases:case", args=[mine.public_id])).content.decode()
    assert "seen in 1 other case" in page
    assert "1 of them is not yours" in page
    assert theirs.reference not in page
    assert str(theirs.public_id) not in page
    assert "Ask for access" in page


def test_different_kinds_with_the_same_value_do_not_link(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    add(first, cast.caseworker, "badge", "123456")
    add(second, cast.caseworker, "qq", "123456")
    assert identifier_links(case=first, user=cast.caseworker) == {}


def test_keys_go_with_their_identifier_and_their_case(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    identifier = add(first, cast.caseworker, "email", "wang@example.com")
    add(second, cast.caseworker, "email", "WANG@example.com")
    identifier_delete(actor=cast.caseworker, identifier=identifier)
    assert not IdentifierKey.objects.filter(case=first).exists()
    case_shred(case=second)
    assert not IdentifierKey.objects.exists()


def test_a_merge_moves_the_keys_with_the_identifiers(cast: Cast) -> None:
    target, source, other = case_held_by(cast), case_held_by(cast), case_held_by(cast)
    add(source, cast.caseworker, "phone", "+8613800138000")
    add(other, cast.caseworker, "phone", "+86 138 0013 8000")
    case_merge(actor=cast.caseworker, private_key=private_key(cast.caseworker), target=target, source=source)
    identifier = Identifier.objects.get(case=target)
    assert set(IdentifierKey.objects.filter(identifier=identifier).values_list("case_id", flat=True)) == {
        target.pk
    }
    links = identifier_links(case=other, user=cast.caseworker)
    assert [linked.case for item in links.values() for linked in item.held] == [target]


def test_adding_an_identifier_is_audited_without_its_value(cast: Cast) -> None:
    case = case_held_by(cast)
    add(case, cast.caseworker, "qq", "10001")
    event = AuditEvent.objects.filter(action__startswith="identifier.create").latest("id")
    assert event.action == "identifier.create:qq"
    assert "10001" not in f"{event.action} {event.object_id}"


def test_no_identifier_value_reaches_the_linking_tables_or_the_audit_log(cast: Cast) -> None:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    planted = "wxid_canary_4711"
    add(mine, cast.caseworker, "wechat", planted)
    add(theirs, cast.other_caseworker, "wechat", planted.upper())
    console(cast.caseworker).post(
        reverse(
            "linking:access_request_new", args=[mine.public_id, Identifier.objects.get(case=mine).public_id]
        )
    )
    recluster_all()
    needles = (planted.encode(), b"canary_4711", b"CANARY_4711")
    for model in (IdentifierKey, ClusterMembership, AccessRequest, LinkReview, AuditEvent, Identifier):
        for row in model.objects.values_list():
            text = repr(row).encode()
            assert not any(needle in text for needle in needles), model
