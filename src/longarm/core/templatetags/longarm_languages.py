"""The language switcher's choices, written once per language (issue 13: every reporter page carries them).

``core/language_switcher.html`` names the current language and offers a button per language of
``settings.LANGUAGES``, each name in its own language. The loops over the languages in the template language
were a fifth of a questionnaire page's rendering time; the markup depends on nothing but the current language
and the list, so it is made once for each.
"""

import functools

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_CURRENT = mark_safe(' aria-current="true" class="current"')


@functools.cache
def _markup(current: str, languages: tuple[tuple[str, str], ...]) -> tuple[SafeString, SafeString]:
    name = next((name for code, name in languages if code == current), "")
    named = format_html('<span lang="{}" dir="auto">{}</span>', current, name) if name else mark_safe("")
    buttons = format_html_join(
        "",
        '<button type="submit" name="language" value="{}" lang="{}" dir="auto"{}>{}</button>',
        ((code, code, _CURRENT if code == current else "", name) for code, name in languages),
    )
    return named, buttons


def _languages() -> tuple[tuple[str, str], ...]:
    return tuple((str(code), str(name)) for code, name in settings.LANGUAGES)


@register.simple_tag
def current_language_name(current: str) -> SafeString:
    """``<span lang dir>`` with the current language's own name (nothing for a language not offered)."""
    return _markup(current, _languages())[0]


@register.simple_tag
def language_buttons(current: str) -> SafeString:
    """A submit button per language, the current one marked ``aria-current``."""
    return _markup(current, _languages())[1]
