"""Every page of the reporter's journey, rendered in every language, asks gettext only for strings that the
active catalogue translates: a string added to a template or form without a translation fails here even if
it lives outside the files ``test_catalogues`` reads."""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from longarm.guidance.rights import RIGHTS_COUNTRIES
from tests.conftest import Cast
from tests.gate.helpers import gate_fields
from tests.i18n.catalogues import SAME_AS_ENGLISH, TRANSLATED_LANGUAGES, has_letters, region_names
from tests.intake.helpers import (
    QUESTION_STEPS,
    receipt_from,
    report_answers,
    send_review,
    step_answers,
    step_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def looked_up(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """(language, msgid, translation) for every gettext call while the test runs."""
    calls: list[tuple[str, str, str]] = []
    trans = translation._trans  # type: ignore[attr-defined]  # Django's switchboard for the real functions
    real_gettext: Callable[[str], str] = trans.gettext
    real_pgettext: Callable[[str, str], str] = trans.pgettext

    def gettext(message: str) -> str:
        result = real_gettext(message)
        calls.append((translation.get_language() or "", str(message), result))
        return result

    def pgettext(context: str, message: str) -> str:
        result = real_pgettext(context, message)
        calls.append((translation.get_language() or "", str(message), result))
        return result

    monkeypatch.setattr(trans, "gettext", gettext)
    monkeypatch.setattr(trans, "pgettext", pgettext)
    return calls


def walk_the_reporter_site(client: Client) -> list[int]:
    """Every reporter page, in the order a reporter meets them, with one mistake on each form."""
    statuses = [client.get(reverse("intake:home")).status_code]
    statuses.append(client.get(reverse("intake:report_new")).status_code)
    statuses.append(client.post(reverse("intake:report_new"), {"what_happened": ""}).status_code)
    statuses.append(client.post(step_url("what"), {"incident_month": "5"}).status_code)
    answers = step_answers(report_answers(host_country="TR", host_region=""))
    for slug in QUESTION_STEPS:
        assert client.post(step_url(slug), answers).status_code == 302
        statuses.append(client.get(step_url(slug)).status_code)
    review = client.get(step_url("review"))
    statuses.append(review.status_code)
    receipt = receipt_from(review.content.decode())
    statuses.append(send_review(client, "1").status_code)
    assert send_review(client, receipt).status_code == 302
    statuses.append(client.get(reverse("intake:report_sent")).status_code)
    statuses.append(client.get(reverse("intake:mailbox_login")).status_code)
    statuses.append(
        client.post(
            reverse("intake:mailbox_login"), {"receipt": "1" * 20, **gate_fields("receipt")}
        ).status_code
    )
    statuses.append(
        client.post(
            reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields("receipt")}, follow=True
        ).status_code
    )
    statuses.append(client.post(reverse("intake:mailbox"), {"text": ""}).status_code)
    statuses.append(client.post(reverse("intake:mailbox"), {"text": "Thank you."}, follow=True).status_code)
    statuses.append(client.get(reverse("guidance:rights")).status_code)
    for country in RIGHTS_COUNTRIES:
        statuses.append(client.get(reverse("guidance:rights_country", args=[country.lower()])).status_code)
    statuses.append(client.get(reverse("guidance:safety")).status_code)
    statuses.append(client.get("/no-such-page/").status_code)
    return statuses


def untranslated(calls: list[tuple[str, str, str]]) -> set[str]:
    problems = set()
    for language, msgid, result in calls:
        if language == settings.LANGUAGE_CODE or not has_letters(msgid):
            continue
        allowed = SAME_AS_ENGLISH["*"] | SAME_AS_ENGLISH.get(language, set()) | region_names()
        if result == msgid and msgid not in allowed:
            problems.add(f"{language}: {msgid!r}")
    return problems


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_string_on_the_reporters_journey_is_translated(
    language: str, cast: Cast, looked_up: list[tuple[str, str, str]]
) -> None:
    client = Client(headers={"accept-language": language})
    statuses = walk_the_reporter_site(client)
    assert statuses[-1] == 404
    assert all(status in {200, 400} for status in statuses[:-1]), statuses
    # Set-up (the cast, background tasks) may look strings up in English; the pages themselves do not.
    assert len({msgid for shown_in, msgid, _result in looked_up if shown_in == language}) > 150
    problems = untranslated(looked_up)
    assert not problems, "shown untranslated:\n" + "\n".join(sorted(problems))


def test_the_check_notices_an_untranslated_string(looked_up: list[tuple[str, str, str]]) -> None:
    with translation.override("ug"):
        translation.gettext("Quick exit")
        translation.gettext("A sentence nobody has translated yet.")
    assert untranslated(looked_up) == {"ug: 'A sentence nobody has translated yet.'"}
