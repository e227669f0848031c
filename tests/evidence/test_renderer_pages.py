"""The renderer hands its pages over as PDFium draws them, and reads a page's own text only for the OCR text
layer (issue 12: a copy without a text layer was three times its floor, most of it copies of the pixels and
text nobody used)."""

import io
from typing import cast

import pikepdf
from django.test import override_settings
from pikepdf import PdfImage
from PIL import Image

from longarm.evidence.sanitise.documents import Deadline, Page, pages_to_pdf, render_document
from longarm.evidence.workspace import Workspace
from tests.evidence.files import pdf_with_photo_and_text


def rendered_pages(*, read_text: bool) -> list[Page]:
    pages: list[Page] = []
    with Workspace() as source:
        source.fill([pdf_with_photo_and_text(text="Consulate summons letter for the family")])
        render_document(source, "pdf", on_page=pages.append, deadline=Deadline(120), read_text=read_text)
    return pages


@override_settings(LONGARM_EVIDENCE_DOCUMENT_DPI=100)
def test_a_page_is_read_for_its_writing_system_only_when_a_text_layer_is_made() -> None:
    with_text, without_text = rendered_pages(read_text=True), rendered_pages(read_text=False)
    assert [page.scripts for page in with_text] == [["Latin"]]
    assert [page.scripts for page in without_text] == [[]]
    # The same pixels either way, in the four-byte layout PDFium draws and Pillow keeps (no copy made).
    assert with_text[0].image.mode == without_text[0].image.mode == "RGBX"
    assert with_text[0].image.tobytes() == without_text[0].image.tobytes()
    assert with_text[0].image.size == (827, 1170)


def _page(width: int, height: int, colour: tuple[int, int, int]) -> Page:
    return Page(image=Image.new("RGBX", (width, height), (*colour, 0)))


@override_settings(LONGARM_EVIDENCE_DOCUMENT_DPI=72, LONGARM_EVIDENCE_OCR=False)
def test_pages_encoded_side_by_side_come_out_in_their_order() -> None:
    """Without a text layer pages are encoded several at a time; the copy keeps the original's order, even
    when a later, smaller page is encoded before an earlier, larger one."""
    sizes = [(2400, 3000), (40, 60), (1200, 800), (30, 30), (2000, 2000), (600, 900), (10, 2000)]
    pages = [_page(w, h, (index * 30, 255 - index * 30, 90)) for index, (w, h) in enumerate(sizes)]
    with Workspace() as out:
        pages_to_pdf(iter(pages), out, deadline=Deadline(120))
        out.file.seek(0)
        with pikepdf.open(io.BytesIO(out.file.read())) as copy:
            boxes = [tuple(int(value) for value in page.mediabox[2:]) for page in copy.pages]
            reds = [
                PdfImage(cast(pikepdf.Stream, page.Resources.XObject.Im0))
                .as_pil_image()
                .convert("RGB")
                .getpixel((0, 0))
                for page in copy.pages
            ]
    assert boxes == sizes
    # Each page's own pixels, within JPEG's rounding.
    assert all(isinstance(red, tuple) and abs(red[0] - index * 30) <= 6 for index, red in enumerate(reds))
