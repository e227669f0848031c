import re
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from longarm.core.outbox import outbox_sweep
from tests.gate.helpers import gate_fields

RECEIPT_PATTERN = re.compile(r'<p class="receipt"[^>]*>(.*?)</p>', re.S)
QUESTION_STEPS = ("what", "did", "who", "how", "them", "more")
# The step that attaches files; the consent is chosen on the last step, beside Send.
FILES_STEP = "more"
_FILE_FIELDS = ("attachments", "attached")
# The one consent choice (intake.forms.REPORTER_CHOICES) for "review" with statistics declined.
_MERGED = {("review", "no"): "review_not_counted"}


def report_answers(**overrides: Any) -> dict[str, Any]:
    """A complete, valid questionnaire as a browser would post it: every step's answers in one dict (each
    step reads only its own), in the hotline form's shape with its token. ``statistics_consent="no"`` with
    ``consent="review"`` stands for the one choice "review, not counted"."""
    answers: dict[str, Any] = {
        "what_happened": "Police from my home town called my mother and told me to stop the reading club.",
        "incident_year": "2025",
        "incident_month": "3",
        "incident_day": "",
        "host_country": "JP",
        "host_region": "JP-13",
        "actor_types": ["psb_local"],
        "channels": ["wechat", "via_relative"],
        "tactics": ["relatives_threatened", "asked_to_stop_activity"],
        "tactic_other": "",
        "relatives_at_risk": "My mother in Hohhot",
        "perpetrator_names": "Officer Wang",
        "perpetrator_phone_numbers": "+86 138 0013 8000",
        "perpetrator_wechat_ids": "wxid_example",
        "perpetrator_badge_numbers": "123456",
        "perpetrator_other": "",
        "community": "southern_mongolian",
        "contact": "Signal: +81 90 0000 0000",
        "consent": "review",
        "statistics_consent": "yes",
        "submission_token": "token-" + str(id(overrides)),
        **gate_fields("report"),
    }
    answers.update(overrides)
    return answers


def merged_consent(answers: dict[str, Any]) -> str:
    """The one consent choice ``answers`` stand for."""
    consent = str(answers.get("consent", ""))
    return _MERGED.get((consent, str(answers.get("statistics_consent", "yes"))), consent)


def step_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` as the reporter's steps ask them: the consent as one choice."""
    data = {key: value for key, value in answers.items() if key not in ("statistics_consent", "campaign")}
    data["consent"] = merged_consent(answers)
    return data


def hotline_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` as the hotline form asks them: the consent as one choice, as the reporter's."""
    return step_answers(answers)


def receipt_from(html: str) -> str:
    match = RECEIPT_PATTERN.search(html)
    assert match, "no receipt on the page"
    return re.sub(r"\D", "", match.group(1))


def step_url(slug: str) -> str:
    return reverse("intake:report_step", args=[slug])


def answer_steps(client: Client, answers: dict[str, Any]) -> HttpResponse:
    """Post the question steps in order (files only at the files step, after opening the survey link if
    ``answers`` name a campaign); return the first step that does not move on, else the last step's page."""
    if answers.get("campaign"):
        client.get(reverse("intake:report_new"), {"campaign": answers["campaign"]})
    data = step_answers(answers)
    for slug in QUESTION_STEPS:
        posted = data if slug == FILES_STEP else {k: v for k, v in data.items() if k not in _FILE_FIELDS}
        response: HttpResponse = client.post(step_url(slug), posted)
        if response.status_code != 302:
            return response
    review: HttpResponse = client.get(step_url("review"))
    return review


def post_files(client: Client, attachments: list[Any], attached: list[str] | None = None) -> str:
    """Post the files step and return the page it shows next: itself, with the files kept."""
    response = client.post(step_url(FILES_STEP), {"attachments": attachments, "attached": attached or []})
    if response.status_code == 302:
        response = client.get(step_url(FILES_STEP))
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def send_review(client: Client, receipt: str, **fields: Any) -> HttpResponse:
    """Post the last step as its form does: the consent chosen ("review" unless ``fields`` say otherwise),
    the receipt typed back, the draft's token, the files listed, and the gate paid."""
    page = client.get(step_url("review")).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert token, "no submission token on the last step"
    response: HttpResponse = client.post(
        step_url("review"),
        {
            "consent": "review",
            "typed_receipt": receipt,
            "submission_token": token.group(1),
            "attached": re.findall(r'name="attached" value="([0-9a-f]{32})"', page),
            **gate_fields("report"),
            **fields,
        },
    )
    return response


def submit_answers(client: Client, answers: dict[str, Any], *, deliver: bool = True) -> str:
    """Answer every step with ``answers``, type the receipt back, send the report; return its receipt.

    What the report publishes is delivered after commit (core.outbox), which the test's own transaction would
    otherwise hold back; ``deliver=False`` leaves it undelivered, as if the worker had died."""
    review = answer_steps(client, answers)
    assert b'class="receipt"' in review.content, review.content.decode()[:3000]
    receipt = receipt_from(review.content.decode())
    response = send_review(client, receipt, consent=merged_consent(answers))
    if deliver:
        # Only the outbox, not every on-commit callback: a test that captures those itself (evidence tasks)
        # must not see them run twice.
        outbox_sweep()
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("intake:report_sent")
    return receipt


def submit_report(client: Client, **overrides: Any) -> str:
    """Send a complete report in steps and return its receipt."""
    return submit_answers(client, report_answers(**overrides))
