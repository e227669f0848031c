"""The storage of static files: WhiteNoise's, with each asset's URL worked out once per process.

Every page names its assets (``{% static %}``: the style sheet and scripts of the base template, the gate's
on the last step), so each of a reporter's requests through the questionnaire looks them up again: the
manifest's entry, then quoting and joining the URL, some tens of microseconds each (issue 13). The answer
depends only on the name and on the manifest, which is read once as the storage is made, so it is kept.
"""

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

# More names than the templates use; the bound only keeps a mistake (a name made per request) from growing.
_KEPT = 1024


class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # WhiteNoise is untyped
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None or settings.DEBUG:
            # Forced (collectstatic), or unhashed names as DEBUG asks: as the manifest storage does.
            return str(super().url(name, force))
        kept = self._urls.get(name)
        if kept is None:
            kept = str(super().url(name))
            if len(self._urls) < _KEPT:
                self._urls[name] = kept
        return kept
