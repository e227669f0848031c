"""Form rows written without a template render per choice (issue 13: the reporter's step pages).

``core/field.html`` lists a group of checkboxes or radio buttons, one ``<label class="choice">`` per choice.
With ``{% for choice in field %}{{ choice.tag }}…`` each choice's ``<input>`` is a render of the option
template through the form renderer (``core.form_rendering``), and the step pages carry up to two dozen choices
each.
``choice_rows`` writes the same HTML in one pass, from the same data Django prepares for the template (the
option's name, value, label and attributes), escaped as the renderer's templates escape it; a widget whose
option template is another one (a project's own) still goes through its template.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from markupsafe import escape

from longarm.core.form_rendering import FormRenderer, attributes

register = template.Library()

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


@register.filter
def choice_rows(field: BoundField) -> SafeString:
    """What ``{% for choice in field %}<label class="choice">{{ choice.tag }} <span>{{ choice.choice_label }}
    </span></label>{% endfor %}`` writes (without the line break), in one pass."""
    return mark_safe("".join(_rows(field)))  # noqa: S308 - every value above is escaped
