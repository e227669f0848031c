from functools import cache

from django import template

from longarm.taxonomy.vocabularies import all_region_choices, vocabulary

register = template.Library()


@register.filter
def term(code: str, vocabulary_name: str) -> str:
    """The translated label of a code; a code no longer in the vocabulary is shown as it is stored."""
    if not code:
        return ""
    try:
        return vocabulary(vocabulary_name).label(code)
    except KeyError:
        return code


@cache
def _region_codes() -> frozenset[str]:
    return frozenset(code for code, _ in all_region_choices())


@register.filter
def region(code: str) -> str:
    if code not in _region_codes():
        return code
    return dict(all_region_choices())[code]
