"""The renderer hands its pages over as PDFium draws them, and reads a page's own text only for the OCR text
layer (issue 12: a copy without a text layer was three times its floor, most of it copies of the pixels and
text nobody used)."""

from django.test import override_settings

from longarm.evidence.sanitise.documents import Deadline, Page, render_document
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
