"""PDFs, office documents, EPUB books and SVG drawings: rendered to pixels in the sandbox, and the copy made
from those pixels alone (``documents.py``). The PDF's copy is a PDF with a text layer read off the pixels; an
SVG's is a PNG. The capture metadata (document information, XMP, office document properties, EPUB metadata,
SVG titles and editor attributes) is read in the sandbox too and kept, encrypted, for investigators."""

from typing import Any

from django.conf import settings
from PIL import Image

from longarm.evidence.detection import DetectedType
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.sanitise.documents import Deadline, Page, PdfBuilder, render_document
from longarm.evidence.sanitise.images import encode_clean, thumbnail
from longarm.evidence.workspace import Workspace


def _deadline() -> Deadline:
    return Deadline(float(settings.LONGARM_EVIDENCE_MEDIA_SECONDS))


def sanitise_document(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    """A PDF, an office document (rendered through LibreOffice first) or an EPUB book (laid out by WeasyPrint
    first) to a PDF of its pages' pixels."""
    deadline = _deadline()
    builder = PdfBuilder(dpi=int(settings.LONGARM_EVIDENCE_DOCUMENT_DPI), deadline=deadline)
    first: list[Image.Image] = []

    def add(page: Page) -> None:
        if not first:
            first.append(page.image)
        builder.add(page)

    kind = {"application/pdf": "pdf", "application/epub+zip": "epub"}.get(detected.content_type, "office")
    try:
        metadata: dict[str, Any] = render_document(
            source, kind, extension=detected.extension, on_page=add, deadline=deadline, read_text=builder.ocr
        )
        builder.save(out)
    finally:
        builder.close()
    metadata["copy"] = builder.summary()
    return Sanitised(content_type="application/pdf", metadata=metadata, preview=thumbnail(first[0]))


def sanitise_svg(source: Workspace, out: Workspace) -> Sanitised:
    """An SVG to a PNG of what it draws; scripts, links and references outside the file are never followed."""
    pages: list[Page] = []
    metadata = render_document(source, "svg", extension="svg", on_page=pages.append, deadline=_deadline())
    image = pages[0].image
    out.file.seek(0)
    out.file.truncate(0)
    content_type = encode_clean(image, out.file)
    out.file.flush()
    return Sanitised(content_type=content_type, metadata=metadata, preview=thumbnail(image))
