"""A database restarted or unreachable mid-request answers 503 with the translated "please try again" page
and Retry-After, never a traceback (benchmarks/faults.py, ``database_restart``); other errors stay 500."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from longarm.intake import views

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_error_mid_request_asks_the_reporter_to_try_again_in_their_language(
    monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "render", down)
    response = Client(raise_request_exception=False).get("/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert '<html lang="ja"' in page
    assert "数分待ってからもう一度送信ボタンを押してください" in page
    assert "server closed" not in page


def test_the_page_is_right_to_left_in_uyghur(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(views, "render", down)
    response = Client(raise_request_exception=False).get("/", HTTP_ACCEPT_LANGUAGE="ug")
    assert response.status_code == 503
    assert 'dir="rtl"' in response.content.decode()


def test_any_other_error_is_still_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(views, "render", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_a_session_that_cannot_be_saved_while_the_database_restarts_is_a_503_not_a_400(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db.backends.utils import CursorWrapper

    from tests.intake.helpers import report_answers, step_answers, step_url

    client = Client(raise_request_exception=False)
    answers = {key: value for key, value in step_answers(report_answers()).items() if key != "attachments"}
    assert client.post(step_url("what"), answers).status_code == 302  # the session row exists now
    real_execute = CursorWrapper.execute

    # At the database, whichever way the session store sends its write (a step moves the draft to a new key).
    def restarting(self: CursorWrapper, sql: str, params: object = None) -> object:
        if sql.lstrip().upper().startswith(("UPDATE", "INSERT")) and "django_session" in sql:
            raise OperationalError("terminating connection due to administrator command")
        return real_execute(self, sql, params)  # type: ignore[arg-type]

    monkeypatch.setattr(CursorWrapper, "execute", restarting)
    response = client.post(step_url("who"), answers, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "press Send again" in response.content.decode()


def test_the_error_page_does_not_tell_a_reporter_who_saw_their_receipt_that_the_report_was_saved() -> None:
    """The receipt is shown before Send: "saw no receipt number, so it was not saved" would mislead every
    reporter whose Send failed into thinking it arrived. The page says it may not have, and to send again."""
    from django.template import loader

    page = loader.get_template("500.html").render({"quick_exit_url": "https://example.org/"})
    assert "saw no receipt number" not in page
    assert "may not have arrived" in page
    assert 'class="quick-exit"' in page


def test_a_form_with_more_files_than_a_request_may_carry_gets_a_page_in_the_reporters_language() -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from tests.intake.helpers import step_url

    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=2):
        files = [SimpleUploadedFile(f"photo-{n}.jpg", b"x", content_type="image/jpeg") for n in range(3)]
        response = client.post(step_url("more"), {"attachments": files})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="ja"' in page
    assert 'class="quick-exit"' in page
    assert "Bad Request" not in page
    assert "送られた内容を読み取れませんでした" in page


def test_an_address_that_only_receives_forms_opened_in_the_browser_is_a_page_not_a_blank() -> None:
    from django.conf import settings
    from django.urls import reverse

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "tr"
    for name in ("intake:mailbox_files", "intake:mailbox_leave"):
        response = client.get(reverse(name))
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        page = response.content.decode()
        assert "Bu adres yalnızca form alır" in page
        assert 'class="quick-exit"' in page
