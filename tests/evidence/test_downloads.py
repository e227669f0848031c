"""Every URL that hands out a file (evidence in every version, packages, dossiers, exports, published
statistics) serves it as an attachment that no browser may sniff, render or run (threat model §4.10); and no
view sets a disposition of its own, so a new download cannot forget this."""

import ast
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

import longarm
from longarm.analytics.publication.services import release_decide, release_propose_counts
from longarm.cases.models import Case, Referral
from longarm.evidence.models import EvidenceItem
from longarm.intake.models import Report
from tests.analytics.publication.test_views import TABLE
from tests.analytics.surveys.helpers import new_campaign, respond
from tests.cases.helpers import console
from tests.cases.test_dossier import _case, _referral
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import readers_receive_reports, staff_client, submit_with_files
from tests.linking.match_helpers import add, case_held_by

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]
SOURCE = Path(longarm.__file__).resolve().parent


def _evidence(cast: Cast, processing: Processing, name: str, content: bytes) -> EvidenceItem:
    readers_receive_reports(cast)
    with processing():
        submit_with_files(Client(), {name: content})
    return EvidenceItem.objects.get()


def _evidence_file(variant: str, name: str, content: bytes) -> Callable[..., HttpResponseBase]:
    def fetch(cast: Cast, processing: Processing, **_: Any) -> HttpResponseBase:
        item = _evidence(cast, processing, name, content)
        return staff_client(cast.investigator).get(
            reverse("evidence:staff_file", args=[item.public_id, variant])
        )

    return fetch


def _evidence_export(cast: Cast, processing: Processing, **_: Any) -> HttpResponseBase:
    item = _evidence(cast, processing, "station.jpg", files.jpeg_with_exif())
    return staff_client(cast.investigator).post(
        reverse("evidence:staff_export", args=[item.report.public_id]),
        {"selection": [f"{item.public_id}:original", f"{item.public_id}:derivative"]},
    )


def _dossier(cast: Cast, **_: Any) -> HttpResponseBase:
    case: Case = _case(cast)
    referral: Referral = _referral(cast, case)
    return console(cast.investigator).post(
        reverse("cases:dossier", args=[case.public_id, referral.public_id]),
        {"include_referral": "on", "language": "en"},
    )


def _cluster(cast: Cast, **_: Any) -> HttpResponseBase:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    add(mine, cast.caseworker, "badge", "123456")
    add(theirs, cast.other_caseworker, "badge", "123456")
    return console(cast.caseworker).get(reverse("linking:cluster_export", args=[mine.public_id]))


def _dashboard(file_format: str) -> Callable[..., HttpResponseBase]:
    def fetch(cast: Cast, **_: Any) -> HttpResponseBase:
        return console(cast.analyst).get(reverse("analytics:download", args=["tactic", file_format]))

    return fetch


def _release(name: str, *, public: bool) -> Callable[..., HttpResponseBase]:
    def fetch(cast: Cast, settings: Any, **_: Any) -> HttpResponseBase:
        settings.LONGARM_PUBLIC_STATISTICS = True
        proposed = release_propose_counts(actor=cast.analyst, table=TABLE, filters={})
        release = release_decide(actor=cast.admin, release_id=proposed.pk, approve=True)
        client = Client() if public else console(cast.analyst)
        return client.get(reverse(name, args=[release.public_id]))

    return fetch


def _survey(name: str) -> Callable[..., HttpResponseBase]:
    def fetch(cast: Cast, **_: Any) -> HttpResponseBase:
        campaign = new_campaign(cast.analyst, indicators=["contacted_by_police"])
        for _ in range(5):
            respond(campaign, actor_types=("psb_local",))
        return console(cast.analyst).get(reverse(name, args=[campaign.public_id]))

    return fetch


DOWNLOADS: dict[str, Callable[..., HttpResponseBase]] = {
    "evidence original": _evidence_file("original", "station.jpg", files.jpeg_with_exif()),
    "evidence image copy": _evidence_file("derivative", "station.jpg", files.jpeg_with_exif()),
    "evidence image preview": _evidence_file("preview", "station.jpg", files.jpeg_with_exif()),
    "evidence text copy": _evidence_file(
        "derivative",
        "chat.html",
        b"<html><body><script>steal()</script><p>Officer Li: come home</p></body></html>",
    ),
    "evidence pdf copy": _evidence_file("derivative", "letter.pdf", files.pdf_with_author()),
    "evidence package": _evidence_export,
    "dossier": _dossier,
    "cluster export": _cluster,
    "dashboard csv": _dashboard("csv"),
    "dashboard json": _dashboard("json"),
    "release csv": _release("publication:release_csv", public=False),
    "release json": _release("publication:release_json", public=False),
    "public statistics csv": _release("statistics:csv", public=True),
    "public statistics json": _release("statistics:json", public=True),
    "survey csv": _survey("surveys:results_csv"),
    "survey json": _survey("surveys:results_json"),
}


@pytest.mark.parametrize("download", DOWNLOADS)
def test_every_file_is_an_attachment_that_cannot_be_sniffed_rendered_or_run(
    download: str, cast: Cast, processing: Processing, settings: Any
) -> None:
    response = DOWNLOADS[download](cast=cast, processing=processing, settings=settings)
    assert response.status_code == 200, download
    assert response["Content-Disposition"].startswith("attachment;"), response["Content-Disposition"]
    assert "filename" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_a_video_or_a_sound_never_plays_in_the_console(
    cast: Cast, processing: Processing, tmp_path: Path
) -> None:
    readers_receive_reports(cast)
    with processing():
        submit_with_files(
            Client(), {"call.mp3": files.mp3_with_tags(tmp_path), "visit.mp4": files.mp4_with_tags(tmp_path)}
        )
    report = Report.objects.get()
    page = (
        staff_client(cast.caseworker).get(reverse("cases:report", args=[report.public_id])).content.decode()
    )
    assert "<video" not in page
    assert "<audio" not in page
    for item in EvidenceItem.objects.all():
        copy = reverse("evidence:staff_file", args=[item.public_id, "derivative"])
        # Linked for download only; never the source of an element that plays or shows it.
        assert f'src="{copy}"' not in page
        assert f'href="{copy}" download' in page


def _sets_a_disposition(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value == "Content-Disposition"
    )


def test_no_view_sets_a_disposition_of_its_own() -> None:
    offenders = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if path.name != "downloads.py"
        and any(_sets_a_disposition(node) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    ]
    assert offenders == []


def test_every_view_module_that_builds_a_file_response_uses_as_attachment() -> None:
    builders = {"FileResponse", "StreamingHttpResponse"}
    offenders = []
    for path in SOURCE.rglob("views.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        names = {call.func.id for call in calls if isinstance(call.func, ast.Name)}
        # A response with a content type of its own (not a rendered page) is a file.
        files_built = bool(names & builders) or any(
            isinstance(call.func, ast.Name)
            and call.func.id == "HttpResponse"
            and any(keyword.arg == "content_type" for keyword in call.keywords)
            for call in calls
        )
        # The monitoring probes answer Prometheus and load balancers, on monitoring addresses only: plain text
        # and JSON read by machines, never a file a browser should keep.
        monitoring = path.relative_to(SOURCE).as_posix() == "operations/views.py"
        if files_built and "as_attachment" not in names and not monitoring:
            offenders.append(str(path.relative_to(SOURCE)))
    assert offenders == []
