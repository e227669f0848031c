"""Text boxes of several lines count their length as the browser does (``core.text_fields``)."""

import importlib
import pkgutil

import pytest
from django import forms
from django.test import Client

import longarm
from longarm.core.text_fields import MultilineTextField
from longarm.intake.forms import MAX_LINE
from tests.intake.helpers import report_answers, step_answers, step_url

pytestmark = pytest.mark.django_db


def _every_form() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(longarm.__path__, "longarm."):
        if module.name.rsplit(".", 1)[-1] == "forms" or ".forms." in module.name:
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    waiting: list[type[forms.BaseForm]] = [forms.Form, forms.ModelForm]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            waiting.append(subclass)
            if subclass.__module__.startswith("longarm."):
                found.append(subclass)
    return found


def test_every_box_of_several_lines_counts_line_breaks_as_the_browser_does() -> None:
    boxes = {
        f"{form.__module__}.{form.__qualname__}.{name}": isinstance(field, MultilineTextField)
        for form in _every_form()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea)
    }
    assert len(boxes) > 10, "the walk above missed the forms"
    assert [box for box, counted_as_typed in boxes.items() if not counted_as_typed] == []


def test_a_box_filled_to_its_limit_with_line_breaks_is_accepted_and_kept(client: Client) -> None:
    # What the browser let through: MAX_LINE characters counting each line break as one, sent as CR LF.
    lines = ["My mother in Hohhot"] * 30
    typed = "\n".join(lines)[:MAX_LINE]
    sent = typed.replace("\n", "\r\n")
    assert len(typed) == MAX_LINE < len(sent)
    answers = {key: value for key, value in step_answers(report_answers()).items() if key != "attachments"}
    for slug in ("what", "did"):
        assert client.post(step_url(slug), answers).status_code == 302
    response = client.post(step_url("more"), {**answers, "relatives_at_risk": sent})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(step_url("more")).content.decode()
    assert page.count("My mother in Hohhot") == typed.count("My mother in Hohhot")
