"""Every file Longarm hands out (evidence, sanitised copies, previews, packages, dossiers, exports) goes
through ``as_attachment``: a download, never a page.

A file a reporter sent, or a file derived from one, is attacker-chosen content (threat model §4.10): opened
as a page under our origin it could run script with a staff member's session, and played inline it feeds
codec data to the browser's media stack. As an attachment the browser saves it; with ``nosniff`` it cannot
be reinterpreted as HTML; with a sandboxing policy even a browser that did render it would run nothing and
reach nothing. An ``<img>`` in a console page still shows a preview served this way (the disposition
governs navigation only), so the page shows at most a raster thumbnail the server re-encoded from pixels.
"""

from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

# No script, no plug-in, no form, no navigation, no fetch: a document the browser did render would be inert.
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"


def as_attachment[R: HttpResponseBase](response: R, filename: str) -> R:
    """Mark ``response`` as a file to be saved under ``filename`` and never rendered. Returns it."""
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    # Another site may not embed our files either (an <img> or <video> pointing here from elsewhere).
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
