"""Tesseract reads a document's pages in a few runs, not one run a page (issue 12), and every page still gets
its text layer over our own image of it."""

import io
from collections.abc import Sequence
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from longarm.evidence.sanitise import documents, sandbox
from longarm.evidence.sanitise.documents import Deadline, Page, PdfBuilder, tesseract
from longarm.evidence.workspace import Workspace

pytestmark = pytest.mark.skipif(tesseract() is None, reason="Tesseract is not installed")


def page_of(text: str) -> Page:
    image = Image.new("RGB", (1240, 400), "white")
    ImageDraw.Draw(image).text((60, 150), text, fill="black", font=ImageFont.load_default(size=48))
    return Page(image=image, scripts=["Latin"])


def test_pages_are_read_in_batches_and_each_gets_its_text(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[Sequence[str]] = []
    real = sandbox.run

    def counting(command: Sequence[str], **options: Any) -> tuple[int, bytes]:
        runs.append(command)
        return real(command, **options)

    monkeypatch.setattr(sandbox, "run", counting)
    monkeypatch.setattr(documents, "_OCR_BATCH_PAGES", 3)
    words = ["Consulate", "Embassy", "Summons", "Passport", "Relatives"]
    builder = PdfBuilder(dpi=150, deadline=Deadline(300))
    for word in words:
        builder.add(page_of(word))
    with Workspace() as out:
        builder.save(out)
        copy = out.read_all()
    assert len(runs) == 2  # pages 1-3, then 4-5
    assert builder.summary() == {"text_layer": "ocr", "ocr_languages": ["eng"]}
    with pikepdf.open(io.BytesIO(copy)) as pdf:
        assert len(pdf.pages) == len(words)
    document = pdfium.PdfDocument(copy)
    for index, word in enumerate(words):
        assert word in document[index].get_textpage().get_text_range()
    document.close()


def test_a_page_in_other_languages_starts_a_new_run(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[Sequence[str]] = []
    real = sandbox.run

    def counting(command: Sequence[str], **options: Any) -> tuple[int, bytes]:
        runs.append(command)
        return real(command, **options)

    monkeypatch.setattr(sandbox, "run", counting)
    builder = PdfBuilder(dpi=150, deadline=Deadline(300))
    builder.add(page_of("Consulate"))
    builder.add(Page(image=page_of("Istanbul").image, scripts=["Latin", "Turkish"]))
    with Workspace() as out:
        builder.save(out)
    languages = [command[command.index("-l") + 1] for command in runs]
    assert languages == ["eng", "eng+tur"]
