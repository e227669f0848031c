"""The language switcher's choices (core.templatetags.longarm_languages) are what the loop over
settings.LANGUAGES wrote, for every language, and are made once per language."""

import pytest
from django.conf import settings
from django.template import Context, Template

from longarm.core.templatetags import longarm_languages

_LOOP = Template(
    '{% for code, name in LANGUAGES %}{% if code == current_language %}<span lang="{{ code }}" dir="auto">'
    "{{ name }}</span>{% endif %}{% endfor %}|"
    '{% for code, name in LANGUAGES %}<button type="submit" name="language" value="{{ code }}" '
    'lang="{{ code }}" dir="auto"{% if code == current_language %} aria-current="true" class="current"'
    "{% endif %}>{{ name }}</button>{% endfor %}"
)
_TAGS = Template(
    "{% load longarm_languages %}{% current_language_name current_language %}|"
    "{% language_buttons current_language %}"
)


@pytest.mark.parametrize("current", [code for code, _ in settings.LANGUAGES] + ["xx"])
def test_the_choices_are_what_the_loop_wrote(current: str) -> None:
    context = {"LANGUAGES": settings.LANGUAGES, "current_language": current}

    assert _TAGS.render(Context(context)) == _LOOP.render(Context(context))


def test_the_choices_are_made_once_per_language() -> None:
    longarm_languages._markup.cache_clear()
    for _ in range(3):
        _TAGS.render(Context({"current_language": "ug"}))

    assert longarm_languages._markup.cache_info().misses == 1
