import re
from typing import Any

from django.test import Client
from django.urls import reverse

from tests.gate.helpers import gate_fields

RECEIPT_PATTERN = re.compile(r'<p class="receipt"[^>]*>(.*?)</p>', re.S)
QUESTION_STEPS = ("what", "who", "when", "files", "consent")
# The old form's two consent questions, as the reporter's one merged choice (intake.forms.REPORTER_CHOICES).
_MERGED = {("review", "no"): "review_not_counted"}


def report_answers(**overrides: Any) -> dict[str, Any]:
    """A complete, valid questionnaire as a browser would post it, every step's answers in one dict (each
    step reads only its own). ``consent`` and ``statistics_consent`` may be given as the two old questions."""
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
        **gate_fields("report"),
    }
    statistics = overrides.pop("statistics_consent", "yes")
    answers.update(overrides)
    answers["consent"] = _MERGED.get((answers["consent"], statistics), answers["consent"])
    return answers


def receipt_from(html: str) -> str:
    match = RECEIPT_PATTERN.search(html)
    assert match, "no receipt on the page"
    return re.sub(r"\D", "", match.group(1))


def step_url(slug: str) -> str:
    return reverse("intake:report_step", args=[slug])


def fill_steps(client: Client, answers: dict[str, Any]) -> str:
    """Post every question step with ``answers`` and return the receipt the last step shows."""
    for slug in QUESTION_STEPS:
        response = client.post(step_url(slug), answers)
        assert response.status_code == 302, response.content.decode()[:3000]
    review = client.get(step_url("review"))
    assert review.status_code == 200, review
    return receipt_from(review.content.decode())


def send_review(client: Client, receipt: str, **fields: Any) -> Any:
    """Post the last step: the receipt typed back, with the gate paid and the draft's token."""
    page = client.get(step_url("review")).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert token, "no submission token on the last step"
    return client.post(
        step_url("review"),
        {"typed_receipt": receipt, "submission_token": token.group(1), **gate_fields("report"), **fields},
    )


def submit_report(client: Client, **overrides: Any) -> str:
    """Answer every step, type the receipt back, send the report and return its receipt."""
    receipt = fill_steps(client, report_answers(**overrides))
    response = send_review(client, receipt)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("intake:report_sent")
    return receipt
