"""Widgets render through Jinja2 (core.form_rendering), escaped as Django's templates escape them, and a
template only the Django template language has is still found."""

from typing import Any

import pytest
from django import forms
from django.forms.renderers import BaseRenderer, DjangoTemplates, get_default_renderer
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy

from longarm.core.form_rendering import FormRenderer, Options, Select, choice_rows


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
        assert choice_rows(form[name]) == _LOOP.render(context)
    if data and data["size"] == "l":
        assert " checked" in choice_rows(form["size"])
    if data and data["size"] == "x":
        assert 'aria-invalid="true"' in choice_rows(form["size"])


_PLACES: list[tuple[Any, Any]] = [
    ("", gettext_lazy("Choose…")),
    ("JP", "Japan & <Tokyo>"),
    ("o'k", 'Say "yes"'),
    ("Asia", [("CN", "China"), ("KR", gettext_lazy("Korea")), (None, "Nothing")]),
    ("", [("XX", "In a group without a name")]),
    (None, "None for a value"),
    ("JP", "Japan again"),
    (2025, "A number"),
]


class _Multiple(Select):
    allow_multiple_selected = True


@pytest.mark.parametrize("value", [None, "", "JP", "KR", "nope", ["JP", "KR"], 2025, "None"])
@pytest.mark.parametrize("multiple", [False, True])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_place", "required": True, "aria-invalid": "true", "data-off": False, "q": '"'}]
)
def test_select_with_kept_options_writes_what_djangos_select_writes(
    value: Any, multiple: bool, attrs: dict[str, Any] | None
) -> None:
    theirs = (forms.SelectMultiple if multiple else forms.Select)(choices=_PLACES)
    ours = (_Multiple if multiple else Select)(choices=Options(_PLACES))
    renderer = FormRenderer()

    expected = theirs.render("place", value, attrs=attrs, renderer=renderer)
    assert ours.render("place", value, attrs=attrs, renderer=renderer) == expected
    assert ours.render("place", value, attrs=attrs, renderer=renderer) == expected  # from the kept markup
    # Another renderer gets Django's own rendering.
    assert ours.render("place", value, attrs=attrs, renderer=DjangoTemplates()) == theirs.render(
        "place", value, attrs=attrs, renderer=DjangoTemplates()
    )


def test_kept_options_are_a_list_of_choices_to_django() -> None:
    options = Options(_PLACES)
    field = forms.ChoiceField(choices=options, widget=Select)

    assert len(options) == len(_PLACES)
    assert field.choices is options  # not copied
    assert field.clean("KR") == "KR"
    assert field.clean("JP") == "JP"
    with pytest.raises(forms.ValidationError):
        field.clean("Asia")


class _Fields(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="As <i>written</i>.")
    colours = _Choices.base_fields["colours"]
    agree = forms.BooleanField(label="I agree", required=False)


def test_a_field_group_renders_through_jinja2_with_label_hint_and_escaped_errors() -> None:
    form = _Fields(data={"name": "", "colours": ["<nope>"]})
    form.add_error("agree", "Tick <this>.")

    name, colours, agree = (str(form[field].as_field_group()) for field in ("name", "colours", "agree"))

    assert (
        FormRenderer()
        .get_template("core/field.html")
        .__class__.__module__.startswith("django.template.backends.jinja2")
    )
    assert '<div class="field has-error required">' in name
    assert '<label for="id_name">Name &lt;b&gt; <span class="req">(required)</span></label>' in name
    assert '<p class="help" id="id_name_helptext">As &lt;i&gt;written&lt;/i&gt;.</p>' in name
    assert '<p class="error" id="id_name_error">This field is required.</p>' in name
    assert '<fieldset aria-describedby="id_colours_helptext id_colours_error">' in colours
    assert "&lt;nope&gt;" in colours
    assert "<nope>" not in colours
    assert '<div class="choices"><label class="choice"><input type="checkbox"' in colours
    assert '<label class="choice" for="id_agree"><input type="checkbox" name="agree"' in agree
    assert '<p class="error" id="id_agree_error">Tick &lt;this&gt;.</p>' in agree


def test_a_field_group_speaks_the_active_language() -> None:
    with translation.override("ja"):
        required = translation.gettext("(required)")
        html = str(_Fields()["name"].as_field_group())

    assert required != "(required)"
    assert f'<span class="req">{required}</span>' in html
