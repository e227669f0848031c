"""The shape of the questionnaire's steps that keeps each of them within three phone screens (issue 14; the
heights themselves are measured in a browser by tests/browser/test_steps.py and benchmarks/reporter_steps.py):
one list of choices per step, the required questions before everything that may be skipped, long hints and the
last step's summary folded."""

from django import forms
from django.test import Client

from longarm.intake.forms import ReporterReportForm, ReviewForm
from longarm.intake.steps import QUESTION_STEPS, STEPS, steps_skippable_after
from tests.conftest import Cast
from tests.intake.helpers import answer_steps, report_answers, step_answers, step_url

_LISTS = (forms.CheckboxSelectMultiple, forms.RadioSelect)


def test_no_step_asks_more_than_one_list_of_choices() -> None:
    for step in QUESTION_STEPS:
        form = ReporterReportForm(fields=step.fields)
        lists = [name for name, field in form.fields.items() if isinstance(field.widget, _LISTS)]
        assert len(lists) <= 1, (step.slug, lists)


def test_the_required_steps_come_first_and_everything_after_them_can_be_skipped_at_once() -> None:
    required = [step for step in QUESTION_STEPS if not step.optional]
    assert list(QUESTION_STEPS[: len(required)]) == required
    assert steps_skippable_after(required[-1]) == list(QUESTION_STEPS[len(required) :])
    # Every question is asked on exactly one step.
    asked = [name for step in STEPS for name in step.fields]
    assert len(asked) == len(set(asked))
    assert set(asked) >= set(ReporterReportForm.base_fields) - {"submission_token", "campaign"}


def test_long_hints_are_folded_and_short_ones_shown(client: Client, cast: Cast) -> None:
    client.post(step_url("what"), step_answers(report_answers()))
    files = client.get(step_url("more")).content.decode()
    hint = '<details class="hint"><summary>More about this question</summary>'
    assert hint + '<p class="help" id="id_attachments_helptext">' in files
    # A short hint stays in view.
    assert '<p class="help" id="id_relatives_at_risk_helptext">' in files
    assert "consent" in ReviewForm.collapsed_help


def test_the_last_step_folds_the_answers_but_not_the_consent_or_the_receipt(
    client: Client, cast: Cast
) -> None:
    html = answer_steps(client, report_answers()).content.decode()
    folded = html.split('<details class="review-answers">')[1].split("</details>")[0]
    assert "reading club" in folded
    assert 'name="consent"' not in folded
    assert 'class="receipt"' not in folded
    assert html.index("</details>", html.index('class="review-answers"')) < html.index('name="consent"')
