from functools import cache

from django import template
from django.utils.translation import get_language

from longarm.taxonomy.vocabularies import host_region_choices, vocabulary

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


@register.filter
def staff_term(code: str, vocabulary_name: str) -> str:
    """The translated staff label of a code (``Term.staff_label``): the console never shows the reporter's
    first-person wording ("Through my family members")."""
    if not code:
        return ""
    try:
        return vocabulary(vocabulary_name).staff_label(code)
    except KeyError:
        return code


@cache
def _region_labels(language: str) -> dict[str, str]:
    # Built once per language: a list page shows a region on every row, and building the whole table
    # of translated names per row cost most of the inbox's time at 200 rows.
    return {
        code: label
        for _country, regions in host_region_choices()
        if isinstance(regions, list)
        for code, label in regions
    }


@register.filter
def region(code: str) -> str:
    """The translated name of a host region alone: templates show its country before it themselves."""
    return _region_labels(get_language()).get(code, code)
