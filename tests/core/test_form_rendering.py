"""Widgets render through Jinja2 (core.form_rendering), escaped as Django's templates escape them, and a
template only the Django template language has is still found."""

from typing import Any

import pytest
from django import forms
from django.forms.renderers import BaseRenderer, DjangoTemplates, get_default_renderer
from django.template import Context, Template

from longarm.core.form_rendering import FormRenderer


class _Form(forms.Form):
    place = forms.ChoiceField(choices=[("x", '<script>alert("x")</script>'), ("y", "Japan — Tokyo")])
    note = forms.CharField(initial='"><img src=x onerror=alert(1)>')


def test_the_site_renders_widgets_with_the_jinja2_renderer() -> None:
    assert isinstance(get_default_renderer(), FormRenderer)


def test_labels_and_values_are_escaped() -> None:
    html = str(_Form())

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert '<option value="y">Japan — Tokyo</option>' in html


def test_a_template_only_django_has_is_found_there() -> None:
    template = FormRenderer().get_template("intake/home.html")

    assert template.__class__.__module__.startswith("django.template")


class _Choices(forms.Form):
    colours = forms.MultipleChoiceField(
        choices=[("red", "Red & <b>bold</b>"), ("o'k", 'Say "yes"'), ("", "Empty value")],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "x", "data-on": True, "data-off": False}),
        help_text="Choose.",
    )
    size = forms.ChoiceField(choices=[("s", "Small"), ("l", "Large")], widget=forms.RadioSelect)
    other = forms.MultipleChoiceField(
        required=False, choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )


_LOOP = Template(
    '{% for choice in field %}<label class="choice">{{ choice.tag }} <span>{{ choice.choice_label }}</span>'
    "</label>{% endfor %}"
)
_ROWS = Template("{% load longarm_forms %}{{ field|choice_rows }}")


@pytest.mark.parametrize(
    "data",
    [None, {}, {"colours": ["red", "o'k"], "size": "l", "other": ["b"]}, {"colours": ["nope"], "size": "x"}],
)
@pytest.mark.parametrize("renderer", [FormRenderer, DjangoTemplates])
def test_choice_rows_write_what_the_loop_over_the_choices_writes(
    data: dict[str, Any] | None, renderer: type[BaseRenderer]
) -> None:
    form = _Choices(data, renderer=renderer())
    for name in ("colours", "size", "other"):
        context = Context({"field": form[name]})
        assert _ROWS.render(context) == _LOOP.render(context)
    if data:
        assert " checked" in _ROWS.render(Context({"field": form["size"]}))
