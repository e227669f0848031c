import csv
import io

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.cases.coding.services import identifier_delete
from longarm.linking.clusters import UnionFind, clusters_update, edges_of, recluster_all
from longarm.linking.models import ClusterMembership, Decision, IdentifierKey, LinkReview, Strength
from longarm.linking.tasks import recluster_task
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by


def _clusters() -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for case_id, cluster in ClusterMembership.objects.values_list("case_id", "cluster"):
        found.setdefault(cluster, set()).add(case_id)
    return found


def test_union_find_joins_components_under_their_smallest_member() -> None:
    found = UnionFind()
    found.union(5, 3)
    found.union(9, 5)
    found.union(20, 21)
    assert found.components() == {5: 3, 3: 3, 9: 3, 20: 20, 21: 20}


def test_strong_keys_cluster_cases_transitively_as_they_are_saved(cast: Cast) -> None:
    a, b, c, d = (case_held_by(cast) for _ in range(4))
    add(a, cast.caseworker, "badge", "123456")
    add(b, cast.caseworker, "badge", "123 456")
    add(b, cast.caseworker, "phone", "+86 138 0013 8000")
    add(c, cast.caseworker, "phone", "008613800138000")
    add(d, cast.caseworker, "badge", "999999")
    assert list(_clusters().values()) == [{a.pk, b.pk, c.pk}]
    assert ClusterMembership.objects.get(case=c).cluster == a.pk


def test_weak_keys_only_suggest(cast: Cast) -> None:
    a, b = case_held_by(cast), case_held_by(cast)
    add(a, cast.caseworker, "name", "王伟")
    add(b, cast.caseworker, "name", "王偉")
    assert _clusters() == {}


def test_deleting_the_bridge_splits_the_cluster(cast: Cast) -> None:
    a, b, c = (case_held_by(cast) for _ in range(3))
    add(a, cast.caseworker, "qq", "10001")
    bridge = add(b, cast.caseworker, "qq", "10001")
    add(b, cast.caseworker, "email", "x@example.org")
    add(c, cast.caseworker, "email", "X@example.org")
    assert list(_clusters().values()) == [{a.pk, b.pk, c.pk}]
    identifier_delete(actor=cast.caseworker, identifier=bridge)
    assert sorted(_clusters().values(), key=min) == [{b.pk, c.pk}]


def test_full_reclustering_agrees_with_the_incremental_updates(cast: Cast) -> None:
    a, b, c, d = (case_held_by(cast) for _ in range(4))
    add(a, cast.caseworker, "plate", "粤B 12345")
    add(b, cast.caseworker, "plate", "粤B12345")
    add(c, cast.caseworker, "wechat", "wxid_one")
    add(d, cast.caseworker, "wechat", "WXID_ONE")
    incremental = _clusters()
    ClusterMembership.objects.all().delete()
    counts = recluster_all()
    assert _clusters() == incremental == {a.pk: {a.pk, b.pk}, c.pk: {c.pk, d.pk}}
    assert counts == {"clustered_cases": 4, "clusters": 2, "changed": 4}
    assert recluster_all()["changed"] == 0


def test_the_recluster_command_counts(cast: Cast) -> None:
    a, b = case_held_by(cast), case_held_by(cast)
    add(a, cast.caseworker, "badge", "1")
    add(b, cast.caseworker, "badge", "1")
    out = io.StringIO()
    call_command("linking", "recluster", stdout=out)
    assert out.getvalue().strip() == "1 clusters of 2 cases."


def test_the_cluster_page_shows_the_value_only_to_holders_of_a_case_containing_it(cast: Cast) -> None:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    add(mine, cast.caseworker, "badge", "123456")
    add(theirs, cast.other_caseworker, "badge", "123456")
    nothing = case_held_by(cast, cast.investigator)
    page = console(cast.caseworker).get(reverse("linking:cluster", args=[mine.public_id])).content.decode()
    assert "123456" in page
    assert "1 report," in page
    assert "The cluster also holds 1 case you do not hold" in page
    assert "<svg" in page
    assert "<title" in page
    assert "<desc" in page
    assert "<table>" in page
    assert theirs.reference not in page
    other = console(cast.other_caseworker)
    assert "123456" in other.get(reverse("linking:cluster", args=[theirs.public_id])).content.decode()
    assert AuditEvent.objects.filter(action="cluster.read:value").count() == 2
    stranger = console(cast.investigator)
    assert stranger.get(reverse("linking:cluster", args=[mine.public_id])).status_code == 404
    page = stranger.get(reverse("linking:cluster", args=[nothing.public_id])).content.decode()
    assert "123456" not in page


def test_a_reader_holding_one_case_of_a_cluster_sees_that_case_and_a_count(cast: Cast) -> None:
    mine = case_held_by(cast)
    theirs = [case_held_by(cast, cast.other_caseworker) for _ in range(3)]
    for case in theirs:
        add(case, cast.other_caseworker, "badge", "424242")
    add(theirs[0], cast.other_caseworker, "phone", "+8613900000000")
    add(mine, cast.caseworker, "phone", "+86 139 0000 0000")
    page = console(cast.caseworker).get(reverse("linking:cluster", args=[mine.public_id])).content.decode()
    # The headline is the reader's own identifier; the badge the others share is not even named.
    assert "Phone number: +86 139 0000 0000" in page
    assert "Badge or police ID number" not in page
    assert "424242" not in page
    assert "1 report," in page
    assert "The cluster also holds 3 cases you do not hold" in page
    assert page.count("<circle") == 1
    assert all(case.reference not in page for case in theirs)


def test_the_export_holds_coded_fields_only_and_is_audited(cast: Cast) -> None:
    mine, also_mine = case_held_by(cast), case_held_by(cast)
    theirs = case_held_by(cast, cast.other_caseworker)
    for case in (mine, also_mine):
        add(case, cast.caseworker, "badge", "123456")
    add(theirs, cast.other_caseworker, "badge", "123456")
    response = console(cast.caseworker).get(reverse("linking:cluster_export", args=[mine.public_id]))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["case", "status", "urgency", "reports"]
    assert len(rows) == 3
    assert "123456" not in text
    assert mine.reference not in text
    assert theirs.reference not in text
    assert "southern_mongolian" in text
    assert AuditEvent.objects.filter(action="cluster.export:2").exists()


def test_the_recluster_task_repairs_stored_clusters(cast: Cast) -> None:
    a, b = case_held_by(cast), case_held_by(cast)
    add(a, cast.caseworker, "badge", "31")
    add(b, cast.caseworker, "badge", "31")
    ClusterMembership.objects.filter(case=b).delete()
    assert recluster_task.call() == {"clustered_cases": 2, "clusters": 1, "changed": 1}
    assert _clusters() == {a.pk: {a.pk, b.pk}}


def _stored_in_order(backwards: bool) -> None:
    """Store every match key again, in id order or reversed, so that a scan meets them in another order."""
    rows = list(IdentifierKey.objects.order_by("-id" if backwards else "id"))
    IdentifierKey.objects.all().delete()
    for row in rows:
        row.pk = None
    IdentifierKey.objects.bulk_create(rows)


def test_an_index_held_strongly_and_weakly_joins_only_the_cases_holding_it_strongly(cast: Cast) -> None:
    a, b, c, d = (case_held_by(cast) for _ in range(4))
    for case in (a, b, c, d):
        add(case, cast.caseworker, "badge", "777")
    # As if some path had stored the same index as a weak key for c and d: a link is strong only when both
    # cases hold the key strongly, whatever order the rows are read in.
    IdentifierKey.objects.filter(case__in=[c, d]).update(strength=Strength.WEAK)
    results = []
    for backwards in (False, True, False):
        _stored_in_order(backwards)
        ClusterMembership.objects.all().delete()
        recluster_all()
        full = _clusters()
        ClusterMembership.objects.all().delete()
        clusters_update([d.pk, c.pk, b.pk])
        results.append((full, _clusters(), edges_of({a.pk, b.pk, c.pk, d.pk})))
    expected = ({a.pk: {a.pk, b.pk}}, {a.pk: {a.pk, b.pk}}, [(a.pk, b.pk, "badge", "strong")])
    assert results == [expected] * 3


def test_a_confirmed_link_joins_a_case_holding_the_index_only_weakly(cast: Cast) -> None:
    a, b = case_held_by(cast), case_held_by(cast)
    add(a, cast.caseworker, "badge", "778")
    add(b, cast.caseworker, "badge", "778")
    IdentifierKey.objects.filter(case=b).update(strength=Strength.WEAK)
    recluster_all()
    assert _clusters() == {}
    index = bytes(IdentifierKey.objects.filter(case=a).values_list("blind_index", flat=True).get())
    LinkReview.objects.create(
        low=a,
        high=b,
        blind_index=index,
        key_version=IdentifierKey.objects.filter(case=a).get().key_version,
        decision=Decision.CONFIRMED,
        decided_by=cast.caseworker,
        decided_at=timezone.now(),
    )
    recluster_all()
    assert _clusters() == {a.pk: {a.pk, b.pk}}
    IdentifierKey.objects.filter(case=b).delete()
    recluster_all()
    assert _clusters() == {}


def test_the_cluster_codes_its_cases_in_one_vocabulary_and_only_known_years(cast: Cast) -> None:
    """The questionnaire's answers (``reporter_tactics``) appear as the incidents' tactics they stand for,
    never beside them; a report whose reporter gave no year adds none (not the year it arrived)."""
    from longarm.intake.models import Report
    from longarm.linking.selectors import _coded
    from longarm.taxonomy.vocabularies import analytic_tactics_for, vocabulary

    case = case_held_by(cast)
    report = Report.objects.get(case_link__case=case)
    Report.objects.filter(pk=report.pk).update(incident_year=None)
    coded = _coded([case.pk])[case.pk]
    assert coded.years == set()
    analytic = vocabulary("tactics").codes()
    assert coded.tactics
    assert coded.tactics <= set(analytic)
    assert coded.tactics == set(analytic_tactics_for(report.tactic_codes))
