"""Django's own messages a reporter can meet (a form's limits, a file field's), in this project's catalogue.

Django ships no Tibetan or Mongolian translation of them, so a bo or mn page said "Ensure this value has at
most 500 characters (it has 501)." in English. The calls below only put the msgids in the catalogue
(``longarm messages`` reads them); Django's code looks its messages up by the same msgids, and the project's
catalogue (LOCALE_PATHS) comes before Django's own, so a translation here is the one shown. A language Django
translates already needs none here (an empty translation falls through to Django's).
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

DJANGO_FORM_MESSAGES = (
    gettext_lazy("This field is required."),
    gettext_lazy("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_lazy("No file was submitted."),
    gettext_lazy("The submitted file is empty."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        "max",
    ),
)
