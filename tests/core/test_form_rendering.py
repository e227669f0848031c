"""Widgets render through Jinja2 (core.form_rendering), escaped as Django's templates escape them, and a
template only the Django template language has is still found."""

from django import forms
from django.forms.renderers import get_default_renderer

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
