"""Staff see every vocabulary term in staff wording; the reporter's first-person labels ("Police from my home
region", "Through my family members", "I don't know") stay on the reporter site."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from longarm.intake.models import Report
from longarm.taxonomy.vocabularies import vocabulary, vocabulary_names
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.intake.helpers import submit_report
from tests.intake.test_mailbox import open_mailbox

FIRST_PERSON = re.compile(r"\b(I|I'm|me|my|mine|myself|we|us|our)\b", re.IGNORECASE)
PACKAGE = Path(settings.LOCALE_PATHS[0]).parent
# Templates only the reporter or the public reads: they keep the reporter's labels.
REPORTER_TEMPLATES = ("intake/", "guidance/", "gate/", "analytics/", "core/templates/core/reporter_base.html")


def every_term() -> list[tuple[str, str, str, str]]:
    return [
        (name, term.code, term.label, term.staff_label)
        for name in vocabulary_names()
        for parent in vocabulary(name).terms
        for term in (parent, *parent.children)
    ]


@pytest.mark.parametrize(("name", "code", "label", "staff_label"), every_term())
def test_every_term_has_a_staff_label_without_the_reporters_first_person(
    name: str, code: str, label: str, staff_label: str
) -> None:
    assert staff_label
    assert not FIRST_PERSON.search(staff_label), f"{name}.toml {code}: {staff_label!r}"


def test_the_reporter_voice_labels_have_their_own_staff_labels() -> None:
    assert vocabulary("actors").staff_label("psb_local") != vocabulary("actors").label("psb_local")
    assert vocabulary("channels").staff_label("via_relative") == "Through relatives"
    assert vocabulary("origin_regions").staff_label("unknown") == "Not known to the reporter"


def test_no_staff_template_uses_the_reporter_label_filter() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.glob("**/templates/**/*.html")
        if "|term:" in path.read_text(encoding="utf-8")
        and not str(path.relative_to(PACKAGE)).startswith(REPORTER_TEMPLATES)
    ]
    assert not offenders, "staff templates must use |staff_term: " + ", ".join(offenders)


def reporter_voice(names: tuple[str, ...]) -> list[str]:
    return [term.label for name in names for term in vocabulary(name).terms if term.label != term.staff_label]


@pytest.mark.django_db
def test_the_staff_report_page_shows_staff_labels_and_the_mailbox_the_reporters(cast: Cast) -> None:
    ticked = {
        "tactics": sorted(vocabulary("reporter_tactics").codes() - {"other"}),
        "actor_types": sorted(vocabulary("actors").codes()),
        "channels": sorted(vocabulary("channels").codes()),
    }
    receipt = submit_report(Client(), **ticked)
    report = Report.objects.get()
    staff_page = html.unescape(
        console(cast.caseworker).get(reverse("cases:report", args=[report.public_id])).content.decode()
    )
    labels = reporter_voice(("reporter_tactics", "actors", "channels"))
    assert len(labels) > 20
    shown = [label for label in labels if label in staff_page]
    assert not shown, shown
    assert "Through relatives" in staff_page
    mailbox = html.unescape(open_mailbox(Client(), receipt))
    assert "Through my family members" in mailbox
    assert "Through relatives" not in mailbox
