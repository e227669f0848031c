import pytest
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.linking.exceptions import NotLinked
from longarm.linking.models import ClusterMembership, Decision, LinkReview
from longarm.linking.selectors import identifier_links
from longarm.linking.services import link_review
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by


def test_a_name_match_is_suggested_as_weak_and_confirming_it_joins_a_cluster(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    name = add(first, cast.caseworker, "name", "Wang Wei")
    add(second, cast.caseworker, "name", "wang-wei")
    links = identifier_links(case=first, user=cast.caseworker)[name.pk]
    assert links.strength == "weak"
    assert not ClusterMembership.objects.exists()
    page = console(cast.caseworker).get(reverse("cases:case", args=[first.public_id])).content.decode()
    assert "weak match, a suggestion only" in page
    assert "Confirm link" in page

    link_review(actor=cast.caseworker, identifier=name, other=second, decision=Decision.CONFIRMED)

    assert set(ClusterMembership.objects.values_list("case_id", flat=True)) == {first.pk, second.pk}
    assert identifier_links(case=first, user=cast.caseworker)[name.pk].held[0].decision == "confirmed"
    assert AuditEvent.objects.filter(action="link.confirmed:name").count() == 2


def test_a_rejected_link_is_never_suggested_again(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    name = add(first, cast.caseworker, "name", "Li Na")
    add(second, cast.caseworker, "name", "Li Na")
    response = console(cast.caseworker).post(
        reverse("linking:link_review", args=[first.public_id, name.public_id]),
        {"other": str(second.public_id), "decision": "rejected"},
    )
    assert response.status_code == 302
    assert LinkReview.objects.filter(decision=Decision.REJECTED).exists()
    assert name.pk not in identifier_links(case=first, user=cast.caseworker)
    add(second, cast.caseworker, "name", "LI NA")
    assert name.pk not in identifier_links(case=first, user=cast.caseworker)


def test_a_rejected_strong_link_does_not_join_clusters(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    phone = add(first, cast.caseworker, "phone", "+8613800138000")
    add(second, cast.caseworker, "phone", "+8613800138000")
    assert ClusterMembership.objects.count() == 2
    link_review(actor=cast.caseworker, identifier=phone, other=second, decision=Decision.REJECTED)
    assert not ClusterMembership.objects.exists()


def test_only_linked_cases_can_be_reviewed(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    badge = add(first, cast.caseworker, "badge", "1")
    add(second, cast.caseworker, "badge", "2")
    with pytest.raises(NotLinked):
        link_review(actor=cast.caseworker, identifier=badge, other=second, decision=Decision.CONFIRMED)


def test_reviewing_needs_both_cases(cast: Cast) -> None:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    name = add(mine, cast.caseworker, "name", "Zhang San")
    add(theirs, cast.other_caseworker, "name", "Zhang San")
    response = console(cast.caseworker).post(
        reverse("linking:link_review", args=[mine.public_id, name.public_id]),
        {"other": str(theirs.public_id), "decision": "rejected"},
    )
    assert response.status_code == 404
    assert not LinkReview.objects.exists()
