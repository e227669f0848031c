"""HTML to PDF with WeasyPrint, fetching nothing: every font comes from the system's font configuration
(Noto Sans, Noto Sans CJK, Noto Naskh Arabic; see .ci/run) and no URL in a document is ever followed."""

from pathlib import Path
from typing import Any, NoReturn

STYLESHEET = Path(__file__).resolve().parent / "dossier.css"


class ExternalResourceRefused(Exception):
    """A dossier referred to a URL; content typed by reporters must never make the server fetch anything."""


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ExternalResourceRefused(url)


def html_to_pdf(html: str) -> bytes:
    # Imported here: loading WeasyPrint parses its stylesheets, which every other request can do without.
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_refuse, base_url=None)
    stylesheet = weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=_refuse)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    return pdf
