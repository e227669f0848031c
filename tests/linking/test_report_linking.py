"""Report-level linking: identifiers a reporter typed are indexed when the report arrives, and shown as links
in the inbox and on the report page before anyone opens a case."""

import base64
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from longarm.cases.models import Identifier, IdentifierKind
from longarm.cases.services import case_open
from longarm.core import outbox
from longarm.core.models import OutboxEvent
from longarm.intake.models import Report
from longarm.linking import report_links as report_links_module
from longarm.linking.index import current_linking_key
from longarm.linking.models import (
    ClusterMembership,
    Decision,
    ReportIdentifier,
    ReportIdentifierKey,
    Strength,
)
from longarm.linking.report_index import report_identifiers_store
from longarm.linking.report_links import report_links, reports_sharing
from longarm.linking.services import link_review
from longarm.linking.suggestions import suggestion_accept, suggestion_for
from tests.api.helpers import api_headers
from tests.cases.helpers import console, private_key
from tests.conftest import Cast
from tests.intake.helpers import report_answers, submit_answers
from tests.linking.match_helpers import add, case_held_by
from tests.linking.report_helpers import NO_IDENTIFIERS, Processing, arrived
from tests.settings import RECOVERY_KEY_PATH


def _post_undelivered(monkeypatch: pytest.MonkeyPatch, **answers: str) -> None:
    """Submit with delivery switched off: the outbox event stays as the request wrote it."""
    monkeypatch.setattr(outbox, "_queue_delivery", lambda _event_id: None)
    submit_answers(Client(), report_answers(**answers), deliver=False)


def test_the_same_wechat_id_typed_two_ways_links_two_reports_in_the_inbox(
    cast: Cast, processing: Processing
) -> None:
    first = arrived(processing, perpetrator_wechat_ids="wxid_AbC123")
    second = arrived(processing, perpetrator_wechat_ids=" WXID_abc123 ")
    arrived(processing, perpetrator_wechat_ids="wxid_someone_else")

    links = report_links(reports=[first, second], user=cast.caseworker)
    assert [item.pk for item in links[first.pk].held_reports] == [second.pk]
    assert [item.pk for item in links[second.pk].held_reports] == [first.pk]
    assert links[first.pk].strength == Strength.STRONG

    page = console(cast.caseworker).get(reverse("cases:inbox")).content.decode()
    assert "Seen in 1 other report or case" in page
    assert "Strong" in page


def test_no_plaintext_reaches_the_outbox(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _post_undelivered(
        monkeypatch, perpetrator_wechat_ids="wxid_secretvalue", perpetrator_names="Officer Zhou"
    )
    event = OutboxEvent.objects.latest("id")
    text = json.dumps(event.payload)
    assert "secretvalue" not in text
    assert "Zhou" not in text
    prepared = event.payload["linking"]
    assert isinstance(prepared, dict)
    assert {item["kind"] for item in prepared["identifiers"]} >= {"wechat", "name"}


def test_delivering_twice_stores_each_identifier_once(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _post_undelivered(monkeypatch, perpetrator_wechat_ids="wxid_twice", perpetrator_phone_numbers="")
    event = OutboxEvent.objects.latest("id")
    prepared = event.payload["linking"]
    assert isinstance(prepared, dict)
    report_pk = int(event.object_id)
    report_identifiers_store(report_pk=report_pk, prepared=prepared)
    counts = (ReportIdentifier.objects.count(), ReportIdentifierKey.objects.count())
    report_identifiers_store(report_pk=report_pk, prepared=prepared)
    assert (ReportIdentifier.objects.count(), ReportIdentifierKey.objects.count()) == counts
    assert counts[0] >= 2


def test_a_report_links_to_a_case_holding_the_identifier(cast: Cast, processing: Processing) -> None:
    case = case_held_by(cast)
    add(case, cast.caseworker, "phone", "+86 138 0013 8000")
    report = arrived(processing, perpetrator_phone_numbers="(+86) 138-0013-8000")
    found = reports_sharing(report=report, user=cast.caseworker)
    assert [item.pk for item in found.held_cases] == [case.pk]


def test_a_reader_sees_only_a_count_of_what_they_do_not_hold(cast: Cast, processing: Processing) -> None:
    theirs = case_held_by(cast, cast.other_caseworker)
    add(theirs, cast.other_caseworker, "wechat", "wxid_shared")
    named = case_held_by(cast, cast.other_caseworker)
    add(named, cast.other_caseworker, "name", "Zhou Wei")
    report = arrived(processing, perpetrator_wechat_ids="WXID_SHARED", perpetrator_names="Zhou Wei")

    found = reports_sharing(report=report, user=cast.caseworker)
    # The strong link is counted, never named; the weak name match to a case they do not hold is not even
    # counted.
    assert (found.held_cases, found.held_reports, found.hidden_count) == ([], [], 1)
    page = console(cast.caseworker).get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert theirs.reference not in page
    assert named.reference not in page
    assert "1 you do not hold" in page

    # The holder of both cases sees both named, the name match as a weak link.
    holder = reports_sharing(report=report, user=cast.other_caseworker)
    assert {item.pk for item in holder.held_cases} == {theirs.pk, named.pk}
    assert holder.hidden_count == 0
    outsider = reports_sharing(report=report, user=cast.outsider)
    assert outsider.total == 1


def test_a_statistics_only_report_links_to_nothing(cast: Cast, processing: Processing) -> None:
    arrived(processing, perpetrator_wechat_ids="wxid_quiet")
    quiet = arrived(
        processing, perpetrator_wechat_ids="wxid_quiet", consent="statistics_only", statistics_consent="yes"
    )
    assert not ReportIdentifier.objects.filter(report=quiet).exists()


def test_each_value_of_a_field_is_its_own_identifier(cast: Cast, processing: Processing) -> None:
    report = arrived(processing, perpetrator_phone_numbers="+86 138 0013 8000\n+86 139 0000 0000, ")
    kinds = list(ReportIdentifier.objects.filter(report=report).values_list("kind", flat=True))
    assert kinds == [IdentifierKind.PHONE, IdentifierKind.PHONE]
    version = current_linking_key().version
    rows = ReportIdentifierKey.objects.filter(report=report, key_version=version)
    assert all(len(bytes(row.blind_index)) == 16 for row in rows)
    # The ciphertext is under the report's key: nothing stored is the value.
    stored = b"".join(bytes(item.ciphertext) for item in ReportIdentifier.objects.filter(report=report))
    assert b"0013" not in stored
    assert base64.b64encode(b"0013") not in stored
    assert not Identifier.objects.exists()
    assert Report.objects.count() == 1


def test_reindex_rebuilds_the_keys_of_reported_identifiers(cast: Cast, processing: Processing) -> None:
    first = arrived(processing, perpetrator_wechat_ids="wxid_AbC123")
    second = arrived(processing, perpetrator_wechat_ids=" WXID_abc123 ")
    before = {bytes(row.blind_index) for row in ReportIdentifierKey.objects.all()}

    out = StringIO()
    call_command("linking", "reindex", "--recovery-key", str(RECOVERY_KEY_PATH), stdout=out)

    version = current_linking_key().version
    rows = list(ReportIdentifierKey.objects.all())
    assert rows
    assert {row.key_version for row in rows} == {version}
    assert not before & {bytes(row.blind_index) for row in rows}
    assert [item.pk for item in reports_sharing(report=first, user=cast.caseworker).held_reports] == [
        second.pk
    ]
    assert "2 identifiers typed by reporters" in out.getvalue()
    assert "wxid" not in out.getvalue().lower()


def test_a_shared_name_is_a_weak_link_between_reports_the_reader_holds(
    cast: Cast, processing: Processing
) -> None:
    first = arrived(processing, perpetrator_names="Zhou Wei")
    second = arrived(processing, perpetrator_names="周伟")
    found = reports_sharing(report=first, user=cast.caseworker)
    assert [item.pk for item in found.held_reports] == [second.pk]
    assert found.strength == Strength.WEAK
    # Someone who holds neither report is told nothing of a weak link, not even a count.
    assert reports_sharing(report=first, user=cast.other_caseworker).total == 0


def test_a_report_whose_delivery_was_lost_is_linked_by_the_sweep_once(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, processing: Processing
) -> None:
    first = arrived(processing, perpetrator_wechat_ids="wxid_AbC123")
    # The worker died before it ran: nothing was derived.
    _post_undelivered(monkeypatch, perpetrator_wechat_ids=" WXID_abc123 ", perpetrator_phone_numbers="")
    second = Report.objects.latest("id")
    assert not ReportIdentifier.objects.filter(report=second).exists()

    outbox.outbox_sweep()
    outbox.outbox_sweep()

    kinds = sorted(ReportIdentifier.objects.filter(report=second).values_list("kind", flat=True))
    assert kinds == ["badge", "name", "wechat"]
    assert [item.pk for item in reports_sharing(report=first, user=cast.caseworker).held_reports] == [
        second.pk
    ]


def test_a_link_rejected_between_cases_is_not_shown_for_their_reports(
    cast: Cast, processing: Processing
) -> None:
    report = arrived(processing, perpetrator_wechat_ids="wxid_AbC123")
    own = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=report)
    other = case_held_by(cast)
    add(other, cast.caseworker, "wechat", "wxid_abc123")
    assert [item.pk for item in reports_sharing(report=report, user=cast.caseworker).held_cases] == [other.pk]

    mine = add(own, cast.caseworker, "wechat", "WXID_ABC123")
    link_review(actor=cast.caseworker, identifier=mine, other=other, decision=Decision.REJECTED)

    assert reports_sharing(report=report, user=cast.caseworker).total == 0


def test_a_report_joins_no_cluster_until_a_caseworker_adds_its_identifier_to_a_case_then_at_once(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Clusters are of cases (linking.clusters); what a reporter typed is matched from the report's own index
    # rows, written by the worker after commit, and joins a cluster only once a caseworker confirms it.
    holding = case_held_by(cast)
    add(holding, cast.caseworker, "wechat", "wxid_shared")
    _post_undelivered(monkeypatch, **{**NO_IDENTIFIERS, "perpetrator_wechat_ids": "WXID_Shared"})
    report = Report.objects.latest("id")
    assert not ReportIdentifierKey.objects.filter(report=report).exists()  # nothing derived in the request
    outbox.outbox_sweep()
    assert ReportIdentifierKey.objects.filter(report=report).exists()
    assert [item.pk for item in reports_sharing(report=report, user=cast.caseworker).held_cases] == [
        holding.pk
    ]
    assert not ClusterMembership.objects.exists()

    own = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=report)
    suggestion = ReportIdentifier.objects.get(report=report, kind="wechat")
    suggestion_accept(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=own,
        suggestion=suggestion_for(case=own, public_id=suggestion.public_id),
    )
    clusters = dict(ClusterMembership.objects.values_list("case_id", "cluster"))
    assert clusters == {holding.pk: min(holding.pk, own.pk), own.pk: min(holding.pk, own.pk)}


def test_a_key_many_reports_share_is_read_up_to_a_bound_and_shown_as_a_lower_bound(
    cast: Cast, processing: Processing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One officer's WeChat ID in thousands of reports must not make every inbox page read (and hold in
    memory) every one of them for each listed report: per key, only the newest ``READ_PER_KEY`` holders
    are read, and the page says "or more"."""
    monkeypatch.setattr(report_links_module, "READ_PER_KEY", 2)
    sharing = [arrived(processing, perpetrator_wechat_ids="wxid_officer_li") for _ in range(5)]
    alone = arrived(processing, perpetrator_wechat_ids="wxid_officer_li")
    pair = [arrived(processing, perpetrator_wechat_ids="wxid_only_two") for _ in range(2)]
    newest, oldest = alone, sharing[0]

    with CaptureQueriesContext(connection) as queries:
        links = report_links(reports=[newest, oldest, *pair], user=cast.caseworker)
    # The two newest holders of the key are read: for the newest report, itself and one other; the oldest
    # is not among them, and is told of those two.
    assert [item.pk for item in links[newest.pk].held_reports] == [sharing[-1].pk]
    assert [item.pk for item in links[oldest.pk].held_reports] == sorted(
        item.pk for item in [sharing[-1], newest]
    )
    assert not links[newest.pk].complete
    assert not links[oldest.pk].complete
    # A key within the bound is read whole.
    assert links[pair[0].pk].complete
    assert [item.pk for item in links[pair[0].pk].held_reports] == [pair[1].pk]
    # The bound is in the SQL: rows are numbered per key and only those within it are fetched.
    reads = [query["sql"] for query in queries if "linking_reportidentifierkey" in query["sql"]]
    assert any("ROW_NUMBER" in sql.upper() for sql in reads)

    inbox = console(cast.caseworker).get(reverse("cases:inbox")).content.decode()
    assert "Seen in 2 or more other reports or cases" in inbox
    assert "Seen in 1 other report or case" in inbox
    page = console(cast.caseworker).get(reverse("cases:report", args=[newest.public_id])).content.decode()
    assert "only the newest 2 are shown" in page
    api = Client().get(f"/api/reports/{oldest.public_id}/links", headers=api_headers(cast.caseworker)).json()
    assert api["complete"] is False
    assert len(api["reports"]) == 2
