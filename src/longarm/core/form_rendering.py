"""How form widgets are rendered: Django's own widget templates through Jinja2.

The questionnaire has about 1,300 widgets and options (every host region is an option of one plain
``<select>``, so that the page needs no JavaScript). Rendered with the Django template language they
cost about two thirds of the form page's CPU time, which a reporter's visit pays on every page; Django
ships the same widget templates for Jinja2, which renders them in a third of the time (64 → 22 ms a page,
measured with ``benchmarks/intake.py``'s form) with the same HTML. Jinja2 autoescapes here as Django's
templates do.

A widget or form template that exists only for the Django template language (a project's own, in an app's
``templates/``) is still found there.

Django's widget templates include one template per option (a ``<select>`` includes its option template, which
includes the attributes template; a checkbox includes three), and each include costs a new Jinja2 context:
a step page made some three hundred of them. ``form_widgets/`` holds the same templates with those
includes written out, found before Django's own, so that the HTML is the same at a fraction of the cost
(issue 13: the reporter's visit in steps).
"""

from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from django import forms
from django.forms import BoundField, renderers
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2, get_default_renderer
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2 as Jinja2Backend
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from markupsafe import escape

_FLATTENED = Path(__file__).resolve().parent / "form_widgets"
# Where Django keeps its own widget templates for Jinja2, searched after ours.
_DJANGO_FORMS = Path(renderers.__file__).resolve().parent / "jinja2"


def environment(**options: Any) -> jinja2.Environment:
    """The renderer's Jinja2 environment: ``_`` translates as ``{% translate %}`` does (and marks the string
    for ``makemessages``, which reads ``{{ _("…") }}`` in templates); the ``choice_rows`` filter below."""
    built = jinja2.Environment(**options)  # noqa: S701 - Django's backend passes autoescape=True
    built.globals["_"] = gettext
    built.filters["choice_rows"] = choice_rows
    return built


class FormRenderer(Jinja2):
    # A field with its label, hint and errors (``{{ form.name.as_field_group }}``), in Jinja2 (core/jinja2):
    # in the Django template language it was a third of a questionnaire page's time (issue 13).
    field_template_name = "core/field.html"

    def __init__(self) -> None:
        super().__init__()
        self._django = DjangoTemplates()

    @cached_property
    def engine(self) -> Jinja2Backend:
        return Jinja2Backend(
            {
                "APP_DIRS": True,
                "DIRS": [_FLATTENED, _DJANGO_FORMS],
                "NAME": "djangoforms",
                "OPTIONS": {"environment": "longarm.core.form_rendering.environment"},
            }
        )

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)


def attributes(attrs: Mapping[str, Any]) -> str:
    """A widget's attributes as the templates of ``form_widgets/`` write them: ``True`` as a bare name,
    ``False`` left out, every name and value escaped as Jinja2 escapes them."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _resolved(value: Any) -> Any:
    return str(value) if isinstance(value, Promise) else value


# One <option> as the select template writes it: the value it is chosen by, its markup, its markup chosen.
_Option = tuple[str, str, str]


class Options(BaseChoiceIterator):
    """A fixed list of choices for fields of many form instances (a language's list of countries, say).

    Django keeps it as it is rather than copying it into every field and widget (``normalize_choices``), and
    ``Select`` below writes its ``<option>`` elements from markup made once per list instead of through the
    select template: a step of the questionnaire has a few hundred options, re-made on every page and post.
    The markup holds only the list's own values and labels (nothing a reporter chose).
    """

    def __init__(self, choices: Iterable[tuple[Any, Any]]) -> None:
        """``choices`` as a field takes them; lazy labels are translated now, into the active language."""
        self._choices = tuple(
            (_resolved(value), [tuple(map(_resolved, item)) for item in label])
            if isinstance(label, list | tuple)
            else (value, _resolved(label))
            for value, label in choices
        )
        self._markup: tuple[tuple[str | None, tuple[_Option, ...]], ...] | None = None

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self._choices)

    def __len__(self) -> int:
        return len(self._choices)

    def markup(self) -> tuple[tuple[str | None, tuple[_Option, ...]], ...]:
        """Per group (``None``: a choice outside any group) its ``<optgroup>`` label and its options."""
        if self._markup is None:
            groups = []
            for value, label in self._choices:
                if isinstance(label, list):
                    groups.append((str(escape(value)) if value else None, tuple(map(self._option, label))))
                else:
                    groups.append((None, (self._option(("" if value is None else value, label)),)))
            self._markup = tuple(groups)
        return self._markup

    @staticmethod
    def _option(choice: tuple[Any, Any]) -> _Option:
        value, label = choice
        start, end = f'\n  <option value="{escape(value)}"', f">{escape(label)}</option>"
        return str(value), start + end, f"{start} selected{end}"


class Select(forms.Select):
    """Django's ``Select``; with ``Options`` for choices and the site's renderer, the same HTML as its
    template (``form_widgets/django/forms/widgets/select.html``) written from the options' kept markup."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        renderer = renderer or get_default_renderer()
        if not isinstance(self.choices, Options) or not isinstance(renderer, FormRenderer):
            return super().render(name, value, attrs, renderer)
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        chosen, found = self.format_value(value), False
        parts = [f'<select name="{escape(name)}"{attributes(final_attrs)}>']
        for group, options in self.choices.markup():
            if group is not None:
                parts.append(f'\n  <optgroup label="{group}">')
            for option_value, plain, selected in options:
                # As ChoiceWidget.optgroups: only the first match of a single choice is selected.
                if (not found or self.allow_multiple_selected) and option_value in chosen:
                    found = True
                    parts.append(selected)
                else:
                    parts.append(plain)
            if group is not None:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped above


# The option templates of core/form_widgets (the site's renderer), which the markup below reproduces.
_INPUT_OPTIONS = frozenset(
    {"django/forms/widgets/checkbox_option.html", "django/forms/widgets/radio_option.html"}
)


def _input(option: Mapping[str, Any]) -> str:
    value = option["value"]
    shown = f' value="{escape(value)}"' if value != None else ""  # noqa: E711 - the template's own test
    kind, name = escape(option["type"]), escape(option["name"])
    return f'<input type="{kind}" name="{name}"{shown}{attributes(option["attrs"])}>'


def _rows(field: BoundField) -> Iterable[str]:
    for choice in field.subwidgets:
        option = choice.data
        ours = isinstance(choice.renderer, FormRenderer) and option.get("template_name") in _INPUT_OPTIONS
        tag = _input(option) if ours else str(choice.tag())
        yield f'<label class="choice">{tag} <span>{conditional_escape(choice.choice_label)}</span></label>'


def choice_rows(field: BoundField) -> SafeString:
    """What ``{% for choice in field %}<label class="choice">{{ choice.tag }} <span>{{ choice.choice_label }}
    </span></label>{% endfor %}`` writes (without the line break), in one pass: the field template lists a
    group of checkboxes or radio buttons so, and written through the option template each choice's
    ``<input>`` would be a render of its own (up to two dozen on a step page, issue 13). The same data Django
    prepares for the template (the option's name, value, label and attributes), escaped as the renderer's
    templates escape it; a widget whose option template is another one (a project's own) still goes through
    its template."""
    return mark_safe("".join(_rows(field)))  # noqa: S308 - every value above is escaped
