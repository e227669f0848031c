"""A browser whose session someone else held first — a shared phone, an internet café, a cookie planted over
plain HTTP — tells that someone nothing of the report typed in it next (threat model §4.9 and §5.2): not the
answers while they are typed, and not the receipt, even one they saw on the last step before handing over."""

import base64
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from longarm.intake.models import Report
from tests.intake.helpers import (
    FILES_STEP,
    answer_steps,
    receipt_from,
    report_answers,
    send_review,
    step_answers,
    step_url,
)
from tests.intake.test_mailbox import open_mailbox

pytestmark = pytest.mark.django_db

VICTIM_TEXT = "My brother in Kashgar was taken after the police visited on Friday."
NEW_RECEIPT_NOTICE = "this report has a new one"


def handed_over(first: Client) -> Client:
    """A browser holding every cookie ``first`` holds now."""
    second = Client()
    for name, morsel in first.cookies.items():
        second.cookies[name] = morsel.value
    return second


def step_posted(answers: dict[str, Any]) -> dict[str, Any]:
    posted = step_answers(answers)
    return {key: value for key, value in posted.items() if key not in ("attachments", "attached")}


def test_a_receipt_seen_before_the_browser_changed_hands_opens_nothing_sent_from_it(cast: Any) -> None:
    earlier = Client()
    seen = receipt_from(answer_steps(earlier, report_answers(what_happened="A test.")).content.decode())
    # Back to the first step, emptied, so that the next user starts the questionnaire from the beginning.
    earlier.post(step_url("what"), {"what_happened": "", "host_country": "", "go": "back"})
    victim = handed_over(earlier)
    review = answer_steps(victim, report_answers(what_happened=VICTIM_TEXT)).content.decode()
    receipt = receipt_from(review)
    assert receipt != seen
    assert NEW_RECEIPT_NOTICE in review
    assert send_review(victim, receipt).status_code == 302
    assert Report.objects.count() == 1
    assert VICTIM_TEXT not in open_mailbox(Client(), seen)
    assert VICTIM_TEXT in open_mailbox(Client(), receipt)


def test_the_cookies_of_an_earlier_user_read_nothing_the_next_one_types(cast: Any) -> None:
    earlier = Client()
    earlier.get(step_url("what"))
    earlier.post(step_url("what"), step_posted(report_answers(what_happened="A test.")))
    kept_key = earlier.cookies[settings.LONGARM_VAULT_COOKIE_NAME].value
    victim = handed_over(earlier)
    victim.post(step_url("what"), {**step_posted(report_answers(what_happened=VICTIM_TEXT)), "go": "next"})
    assert VICTIM_TEXT in victim.get(step_url("what")).content.decode()
    # The earlier user's copy of the cookies: their vault key opens nothing stored since.
    assert victim.cookies[settings.LONGARM_VAULT_COOKIE_NAME].value != kept_key
    page = earlier.get(step_url("what")).content.decode()
    assert VICTIM_TEXT not in page
    assert earlier.get(step_url("did")).status_code == 302  # no draft at all: back to the start


def test_every_save_of_the_draft_puts_the_vault_under_a_new_key(client: Client, cast: Any) -> None:
    from tests.core.test_session_vault import opens, vault_entries

    keys = []
    for slug in ("what", "did"):
        client.post(step_url(slug), step_posted(report_answers()))
        keys.append(base64.urlsafe_b64decode(client.cookies[settings.LONGARM_VAULT_COOKIE_NAME].value))
    assert len(set(keys)) == 2
    entries = vault_entries(client)
    assert "report-draft" in opens(keys[-1], entries)
    assert opens(keys[0], entries) == []


def test_changing_an_answer_after_the_receipt_was_shown_draws_a_new_one_and_says_so(
    client: Client, cast: Any
) -> None:
    first = receipt_from(answer_steps(client, report_answers()).content.decode())
    # Back to a step and on again without changing anything: the same receipt, no notice.
    client.post(step_url("how"), step_posted(report_answers()))
    same = client.get(step_url("review")).content.decode()
    assert receipt_from(same) == first
    assert NEW_RECEIPT_NOTICE not in same
    client.post(step_url("did"), step_posted(report_answers(tactics=["asked_to_stop_activity"])))
    changed = client.get(step_url("review")).content.decode()
    second = receipt_from(changed)
    assert second != first
    assert NEW_RECEIPT_NOTICE in changed
    # The number first shown no longer sends the report; the new one does.
    assert "That is not the same number" in send_review(client, first).content.decode()
    assert send_review(client, second).status_code == 302


def test_a_file_added_after_the_receipt_was_shown_draws_a_new_one(client: Client, cast: Any) -> None:
    from tests.evidence.helpers import uploads

    first = receipt_from(answer_steps(client, report_answers()).content.decode())
    posted = {**step_posted(report_answers()), "attachments": uploads({"note.txt": b"a note"})}
    client.post(step_url(FILES_STEP), posted)
    second = receipt_from(client.get(step_url("review")).content.decode())
    assert second != first
