"""The reporter's language as staff read it: the language to answer in."""

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The reporter site's languages (settings.LANGUAGES), named in the console's language.
_NAMES: dict[str, Promise] = {
    "en": _("English"),
    "ja": _("Japanese"),
    "zh-hans": _("Chinese, simplified script"),
    "zh-hant": _("Chinese, traditional script"),
    "ug": _("Uyghur"),
    "bo": _("Tibetan"),
    "mn": _("Mongolian (Cyrillic)"),
    "tr": _("Turkish"),
}
_AUTONYMS = dict(settings.LANGUAGES)


def language_name(code: str) -> str:
    """ "Uyghur (ئۇيغۇرچە)": the name in the console's language and the language's own; "" for none."""
    if not code:
        return ""
    name = _NAMES.get(code)
    autonym = _AUTONYMS.get(code, "")
    if name is None:
        return code
    if not autonym or autonym == str(name):
        return str(name)
    return f"{name} ({autonym})"
