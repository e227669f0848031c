import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import STAFF_PASSWORD, Cast, log_in
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "an entirely new passphrase 31"


def change(client: Client, current: str, new: str, repeat: str | None = None) -> str:
    response = client.post(
        reverse("accounts:password_change"),
        {"current": current, "new": new, "repeat": repeat or new},
        follow=True,
    )
    return response.content.decode()


def test_after_a_change_the_new_password_logs_in_and_still_opens_reports(cast: Cast) -> None:
    submit_report(Client())
    client = Client()
    log_in(client, cast.caseworker)
    assert "Your password is changed." in change(client, STAFF_PASSWORD, NEW_PASSWORD)
    fresh = Client()
    log_in(fresh, cast.caseworker, password=NEW_PASSWORD)
    inbox = fresh.get(reverse("cases:inbox")).content.decode()
    report_link = inbox.split('href="/console/reports/')[1].split('"')[0]
    assert "reading club" in fresh.get("/console/reports/" + report_link).content.decode()


def test_a_wrong_current_password_changes_nothing(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    assert "That is not your current password." in change(client, "wrong current password", NEW_PASSWORD)
    log_in(Client(), cast.caseworker)


def test_a_weak_new_password_is_refused(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    assert "too short" in change(client, STAFF_PASSWORD, "short")
