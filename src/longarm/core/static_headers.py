"""Headers for static files, which WhiteNoise serves before any other middleware runs.

Imported by the settings module, so it imports nothing from Django.
"""

from collections.abc import MutableMapping


def static_file_headers(headers: MutableMapping[str, str], path: str, url: str) -> None:
    """WhiteNoise's hook: static files are not kept either (issue 11, item 12).

    WhiteNoise would let browsers keep hashed files for ten years. On a shared family phone a cached Uyghur
    font or our style sheet is a trace of a visit, so assets are fetched again each time; they are small.
    """
    headers["Cache-Control"] = "no-store"
