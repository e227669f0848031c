"""Documents become pixels, then a clean document (the method of Dangerzone, freedomofpress/dangerzone).

A PDF, an office document or an SVG is rendered page by page in a sandboxed child process (``render.py``
under ``sandbox.py``), which hands back nothing but raw pixels. The copy is a new PDF made here only from
those pixels: each page one JPEG we encode, under an invisible text layer that Tesseract reads off the same
pixels, in the writing systems the page shows, so the copy stays searchable and its text can be copied. No
object, font program, script, form, annotation, embedded file, embedded photo (with its EXIF), page piece
(``/PTEX``) or identifier of the original can survive: none of them is pixels.
"""

import io
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pikepdf
from django.conf import settings
from pikepdf import Array, Dictionary, Name
from PIL import Image

from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.sanitise import render, sandbox
from longarm.evidence.workspace import Workspace

_REASONS = {
    "damaged": FailureReason.DAMAGED,
    "encrypted": FailureReason.ENCRYPTED,
    "pixel_bomb": FailureReason.PIXEL_BOMB,
    "too_many_pages": FailureReason.TOO_MANY_PAGES,
    "unrenderable": FailureReason.UNRENDERABLE,
}
# Tesseract's languages for each writing system the renderer or Tesseract's own script detection names
# (Debian's tesseract-ocr-* packages: our reporters write Chinese, Japanese, Uyghur, Turkish, Mongolian,
# Tibetan and English).
_LANGUAGES = {
    "Latin": ("eng",),
    "Turkish": ("tur",),
    "Han": ("chi_sim", "chi_tra"),
    "HanS": ("chi_sim",),
    "HanT": ("chi_tra",),
    "Japanese": ("jpn",),
    "Katakana": ("jpn",),
    "Hiragana": ("jpn",),
    "Arabic": ("uig",),
    "Cyrillic": ("mon",),
    "Tibetan": ("bod",),
}
_OSD_SCRIPT = re.compile(rb"^Script: (\w+)", re.MULTILINE)
_JPEG_QUALITY = 80
# One thread: Tesseract's OpenMP threads spin, and on a busy machine make it several times slower.
_TESSERACT_ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_THREAD_LIMIT": "1"}
_MAX_PAGE_PIXELS = 40_000_000


@dataclass
class Page:
    image: Image.Image
    scripts: list[str] = field(default_factory=list)


def _memory() -> int:
    return int(settings.LONGARM_EVIDENCE_CHILD_MEMORY_MB) * 1024 * 1024


def _seconds() -> float:
    return float(settings.LONGARM_EVIDENCE_MEDIA_SECONDS)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise Unsanitisable(FailureReason.TIMEOUT)
        return left


def render_document(
    source: Workspace,
    kind: str,
    *,
    on_page: Callable[[Page], None],
    deadline: Deadline,
    extension: str = "pdf",
) -> dict[str, Any]:
    """Run the renderer on ``source``, hand each page to ``on_page`` as it comes (an image made here from
    the raw pixels, so one page at a time is held in memory), and return the document's capture metadata.

    Raises:
        Unsanitisable: with the renderer's named failure, TIMEOUT, or UNRENDERABLE if it died.
    """
    max_pages = int(settings.LONGARM_EVIDENCE_MAX_PAGES)
    command = [
        sys.executable, "-I", render.__file__, kind, str(source.path),
        "--extension", extension,
        "--dpi", str(settings.LONGARM_EVIDENCE_DOCUMENT_DPI),
        "--max-page-pixels", str(_MAX_PAGE_PIXELS),
        "--max-pages", str(max_pages),
        "--seconds", str(deadline.left()),
        "--scratch", settings.LONGARM_WORKSPACE_DIR or "/dev/shm",  # noqa: S108 - memory-backed by design
    ]  # fmt: skip
    child = sandbox.Child(
        command,
        fds=(source.fd,),
        seconds=deadline.left(),
        memory=_memory(),
        environment={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_THREAD_LIMIT": "1"},
        require_isolation=kind == "office",
    )
    count = 0
    ending: tuple[bytes, dict[str, Any]] | None = None
    try:
        for tag, header, stream in render.iter_records(child.stdout):
            if tag == b"P":
                count += 1
                if count > max_pages:
                    raise Unsanitisable(FailureReason.TOO_MANY_PAGES)
                on_page(_page(header, stream))
            elif tag in {b"E", b"X"}:
                ending = (tag, header)
                break
            else:
                break
    except (ValueError, KeyError, TypeError, OSError):
        ending = None
    finally:
        child.finish()
    if child.timed_out:
        raise Unsanitisable(FailureReason.TIMEOUT)
    if ending is None:
        raise Unsanitisable(FailureReason.UNRENDERABLE)
    tag, header = ending
    if tag == b"X":
        raise Unsanitisable(_REASONS.get(str(header.get("reason")), FailureReason.DAMAGED))
    if not count:
        raise Unsanitisable(FailureReason.DAMAGED)
    return header


def _page(header: dict[str, Any], stream: Any) -> Page:
    width, height, channels = int(header["width"]), int(header["height"]), int(header["channels"])
    if not (width > 0 and height > 0 and width * height <= _MAX_PAGE_PIXELS and channels in {3, 4}):
        raise ValueError("page out of bounds")
    size = width * height * channels
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("page cut short")
    image = Image.frombytes("RGB" if channels == 3 else "RGBA", (width, height), data)
    scripts = [str(script) for script in header.get("scripts", [])][:8]
    return Page(image=image, scripts=scripts)


@cache
def tesseract() -> str | None:
    return shutil.which("tesseract")


@cache
def installed_languages() -> frozenset[str]:
    program = tesseract()
    if program is None:
        return frozenset()
    try:
        result = subprocess.run(  # noqa: S603 - fixed program
            [program, "--list-langs"], capture_output=True, timeout=30, check=False
        )
    except (subprocess.SubprocessError, OSError):
        return frozenset()
    lines = result.stdout.decode("utf-8", "replace").splitlines()[1:]
    return frozenset(line.strip() for line in lines if line.strip())


def languages_for(scripts: Iterable[str]) -> list[str]:
    installed = installed_languages()
    chosen: list[str] = []
    for script in scripts:
        for language in _LANGUAGES.get(script, ()):
            if language in installed and language not in chosen:
                chosen.append(language)
    return chosen


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue()


def _osd_scripts(jpeg: bytes, dpi: int, deadline: Deadline) -> list[str]:
    program = tesseract()
    if program is None or "osd" not in installed_languages():
        return []
    status, output = sandbox.run(
        [program, "stdin", "stdout", "--dpi", str(dpi), "--psm", "0", "-l", "osd"],
        input_data=jpeg,
        seconds=min(deadline.left(), 120),
        memory=_memory(),
        environment=_TESSERACT_ENVIRONMENT,
    )
    found = _OSD_SCRIPT.search(output) if status == 0 else None
    return [found.group(1).decode("ascii")] if found else []


class PdfBuilder:
    """A new PDF made only of page images we encode (and Tesseract's invisible text over them)."""

    def __init__(self, *, dpi: int, deadline: Deadline, ocr: bool = True) -> None:
        self.pdf = pikepdf.new()
        self.dpi = dpi
        self.deadline = deadline
        self.ocr = ocr and bool(settings.LONGARM_EVIDENCE_OCR) and tesseract() is not None
        self.languages: set[str] = set()
        self.ocr_pages = 0
        self._keep: list[pikepdf.Pdf] = []

    def add(self, page: Page) -> None:
        jpeg = _jpeg(page.image)
        if self.ocr and self._add_with_text(jpeg, page):
            return
        self._add_image_only(jpeg, page.image.size)

    def _add_with_text(self, jpeg: bytes, page: Page) -> bool:
        program = tesseract()
        assert program is not None  # noqa: S101 - checked in __init__
        languages = languages_for(page.scripts) or languages_for(_osd_scripts(jpeg, self.dpi, self.deadline))
        languages = languages or languages_for(["Latin"])
        if not languages:
            return False
        status, output = sandbox.run(
            [program, "stdin", "stdout", "--dpi", str(self.dpi), "-l", "+".join(languages), "pdf"],
            input_data=jpeg,
            seconds=self.deadline.left(),
            memory=_memory(),
            environment=_TESSERACT_ENVIRONMENT,
        )
        if status != 0 or not output.startswith(b"%PDF"):
            return False
        try:
            single = pikepdf.open(io.BytesIO(output))
        except pikepdf.PdfError:
            return False
        if len(single.pages) != 1:
            single.close()
            return False
        self._keep.append(single)
        self.pdf.pages.append(single.pages[0])
        self.languages.update(languages)
        self.ocr_pages += 1
        return True

    def _add_image_only(self, jpeg: bytes, size: tuple[int, int]) -> None:
        width, height = size
        points = (width * 72 / self.dpi, height * 72 / self.dpi)
        image = pikepdf.Stream(
            self.pdf,
            jpeg,
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=width,
            Height=height,
            ColorSpace=Name.DeviceRGB,
            BitsPerComponent=8,
            Filter=Name.DCTDecode,
        )
        drawing = f"q {points[0]:.4f} 0 0 {points[1]:.4f} 0 0 cm /Im0 Do Q"
        contents = pikepdf.Stream(self.pdf, drawing.encode())
        page = Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, points[0], points[1]]),
            Resources=Dictionary(XObject=Dictionary(Im0=image)),
            Contents=contents,
        )
        self.pdf.pages.append(pikepdf.Page(page))

    def save(self, out: Workspace) -> None:
        # Nothing but the pages: no document information, no XMP, an identifier made from our own bytes.
        for key in list(self.pdf.Root.keys()):
            if key not in {"/Type", "/Pages"}:
                del self.pdf.Root[key]
        if "/Info" in self.pdf.trailer:
            del self.pdf.trailer["/Info"]
        for page in self.pdf.pages:
            for key in list(page.obj.keys()):
                if key not in {"/Type", "/Parent", "/MediaBox", "/Resources", "/Contents"}:
                    del page.obj[key]
        out.file.seek(0)
        out.file.truncate(0)
        self.pdf.save(out.file, deterministic_id=True, fix_metadata_version=False)  # type: ignore[arg-type]
        out.file.flush()
        for single in self._keep:
            single.close()
        self.pdf.close()

    def summary(self) -> dict[str, Any]:
        return {"text_layer": "ocr" if self.ocr_pages else "none", "ocr_languages": sorted(self.languages)}


def pages_to_pdf(pages: Iterable[Page], out: Workspace, *, deadline: Deadline) -> dict[str, Any]:
    builder = PdfBuilder(dpi=int(settings.LONGARM_EVIDENCE_DOCUMENT_DPI), deadline=deadline)
    for page in pages:
        deadline.left()
        builder.add(page)
    builder.save(out)
    return builder.summary()
