import re
from typing import Any

from django.test import Client, TestCase
from django.urls import reverse

from tests.gate.helpers import gate_fields

RECEIPT_PATTERN = re.compile(r'<p class="receipt"[^>]*>(.*?)</p>', re.S)


def report_answers(**overrides: Any) -> dict[str, Any]:
    """A complete, valid questionnaire as a browser would post it."""
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


def receipt_from(html: str) -> str:
    match = RECEIPT_PATTERN.search(html)
    assert match, "no receipt on the page"
    return re.sub(r"\D", "", match.group(1))


def submit_report(client: Client, **overrides: Any) -> str:
    """Post the questionnaire and return the receipt shown, once what the report publishes was delivered
    (``core.outbox``: after commit, which the test's own transaction would otherwise hold back)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("intake:report_new"), report_answers(**overrides))
    assert response.status_code == 200, response.content.decode()[:3000]
    return receipt_from(response.content.decode())
