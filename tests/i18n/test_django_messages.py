"""Django's own messages a reporter can meet are shown in the reporter's language, Tibetan and Mongolian
included, for which Django ships none of them (``core.django_messages``)."""

import pytest
from django.conf import settings
from django.test import Client

from tests.intake.helpers import report_answers, step_answers, step_url

pytestmark = pytest.mark.django_db

REPORTER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


@pytest.mark.parametrize("language", REPORTER_LANGUAGES)
def test_a_too_long_answer_and_an_unknown_choice_are_refused_in_the_reporters_language(language: str) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    answers = {key: value for key, value in step_answers(report_answers()).items() if key != "attachments"}
    assert client.post(step_url("what"), answers).status_code == 302
    page = client.post(
        step_url("did"), {**answers, "tactics": ["not_a_tactic"], "tactic_other": "x" * 501}
    ).content.decode()
    assert f'lang="{language}"' in page
    assert "error-summary" in page
    assert "Ensure this value" not in page
    assert "Select a valid choice" not in page
