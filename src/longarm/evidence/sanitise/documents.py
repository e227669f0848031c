"""Documents become pixels, then a clean document (the method of Dangerzone, freedomofpress/dangerzone).

A PDF, an office document or an SVG is rendered page by page in a sandboxed child process (``render.py``
under ``sandbox.py``), which hands back nothing but raw pixels. The copy is a new PDF made here only from
those pixels: each page one JPEG we encode, under an invisible text layer that Tesseract reads off the same
pixels, in the writing systems the page shows, so the copy stays searchable and its text can be copied. No
object, font program, script, form, annotation, embedded file, embedded photo (with its EXIF), page piece
(``/PTEX``) or identifier of the original can survive: none of them is pixels.
"""

import contextlib
import fcntl
import io
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any

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
# Tesseract runs at a time (OCRmyPDF too runs one per core; each is held to one thread above), and how many
# pages one run reads: enough to pay its start and model loading once, few enough to start while rendering.
_OCR_PROCESSES = max(1, min(2, len(os.sched_getaffinity(0))))
_OCR_BATCH_PAGES = 8
_OCR_BATCH_PIXELS = 32_000_000
# Without a text layer the copy's cost is the JPEG encoding of each page, which Pillow does outside the GIL:
# pages are encoded this many at a time (and at most this many pixels), while the renderer draws the next.
_ENCODERS = max(1, min(2, len(os.sched_getaffinity(0))))
_ENCODING_PIXELS = 16_000_000


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
    read_text: bool = True,
) -> dict[str, Any]:
    """Run the renderer on ``source``, hand each page to ``on_page`` as it comes (an image made here from
    the raw pixels; at most three pages are held in memory: the one ``on_page`` has, one waiting and one
    being read), and return the document's capture metadata.
    ``read_text``: whether the renderer reads each page's own text to name its writing systems (only the
    OCR text layer needs them).

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
        *([] if read_text else ["--no-text"]),
    ]  # fmt: skip
    child = sandbox.Child(
        command,
        fds=(source.fd,),
        seconds=deadline.left(),
        memory=_memory(),
        environment={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_THREAD_LIMIT": "1"},
        require_isolation=kind == "office",
    )
    _widen_pipe(child.stdout)
    records: queue.Queue[tuple[bytes, Any]] = queue.Queue(maxsize=1)
    stopped = threading.Event()
    reader = threading.Thread(
        target=_read_records, args=(child.stdout, records, stopped), name="longarm-render-reader", daemon=True
    )
    reader.start()
    count = 0
    ending: tuple[bytes, dict[str, Any]] | None = None
    try:
        while True:
            try:
                tag, item = records.get(timeout=deadline.left())
            except queue.Empty:
                raise Unsanitisable(FailureReason.TIMEOUT) from None
            if tag == b"P":
                count += 1
                if count > max_pages:
                    raise Unsanitisable(FailureReason.TOO_MANY_PAGES)
                on_page(item)
            elif tag in {b"E", b"X"}:
                ending = (tag, item)
                break
            else:
                break
    except (ValueError, KeyError, TypeError, OSError):
        ending = None
    finally:
        stopped.set()
        if ending is None:
            child.kill()  # nothing reads its output any more: it must not wait on the pipe
        reader.join()
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


_PAGE_MODES = {"RGB": 3, "RGBX": 4, "RGBA": 4}
_PIPE_BYTES = 1024 * 1024


def _widen_pipe(stream: IO[bytes]) -> None:
    """A page is megabytes of pixels: through the default 64 KiB pipe, renderer and reader take turns a
    hundred times a page. Linux lets a pipe hold up to ``/proc/sys/fs/pipe-max-size`` (1 MiB by default)."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _read_records(
    stream: IO[bytes], records: "queue.Queue[tuple[bytes, Any]]", stopped: threading.Event
) -> None:
    """In a thread of its own: the renderer's records as they come, each page made into an image, so that
    the renderer draws the next page while the caller encodes this one (the pipe holds far less than a
    page, so without it each would wait for the other). Ends with the end record, or ``b""`` when the
    output broke off or could not be read."""

    def put(record: tuple[bytes, Any]) -> bool:
        while not stopped.is_set():
            try:
                records.put(record, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    ended = False
    try:
        for tag, header, body in render.iter_records(stream):
            if tag == b"P":
                if not put((tag, _page(header, body))):
                    ended = True
                    return
            elif tag in {b"E", b"X"}:
                ended = put((tag, header)) or True
                return
            else:
                break
    except (ValueError, KeyError, TypeError, OSError):
        pass
    finally:
        # Whatever ended the reading (an unexpected error, memory), the caller is told at once, not at its
        # deadline.
        if not ended:
            put((b"", None))


def _page(header: dict[str, Any], stream: Any) -> Page:
    width, height, mode = int(header["width"]), int(header["height"]), str(header["mode"])
    if not (width > 0 and height > 0 and width * height <= _MAX_PAGE_PIXELS and mode in _PAGE_MODES):
        raise ValueError("page out of bounds")
    size = width * height * _PAGE_MODES[mode]
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("page cut short")
    # Four bytes a pixel are Pillow's own layout: the image is the bytes read, not a copy of them.
    image = (
        Image.frombytes(mode, (width, height), data)
        if mode == "RGB"
        else Image.frombuffer(mode, (width, height), data, "raw", mode, 0, 1)
    )
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
    # JPEG takes RGB and RGBX as they are (no copy); an alpha channel is dropped first.
    (image if image.mode in {"RGB", "RGBX"} else image.convert("RGB")).save(
        buffer, format="JPEG", quality=_JPEG_QUALITY
    )
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
    """A new PDF made only of page images we encode (and Tesseract's invisible text over them).

    Tesseract reads the pages while the next ones are rendered: consecutive pages in the same languages go
    to one Tesseract run together (a multi-page greyscale TIFF on its standard input, so no page is written
    anywhere), at most ``_OCR_PROCESSES`` runs at a time, in threads of their own. Each run returns a PDF of
    the text alone (``textonly_pdf``), which is laid over our page images when the copy is saved; the way
    OCRmyPDF grafts Tesseract's text layer. A run that fails leaves its pages without text, as before.
    Without a text layer, up to ``_ENCODERS`` pages (``_ENCODING_PIXELS``) are encoded at a time, in order.
    """

    def __init__(self, *, dpi: int, deadline: Deadline, ocr: bool = True) -> None:
        self.pdf = pikepdf.new()
        self.dpi = dpi
        self.deadline = deadline
        self.ocr = ocr and bool(settings.LONGARM_EVIDENCE_OCR) and tesseract() is not None
        self.languages: set[str] = set()
        self.ocr_pages = 0
        self._batch: list[tuple[int, Image.Image]] = []
        self._batch_languages: tuple[str, ...] = ()
        self._batch_pixels = 0
        self._runs: list[tuple[list[int], tuple[str, ...], Future[bytes | None]]] = []
        self._pool: ThreadPoolExecutor | None = None
        # Runs in flight plus one waiting: the renderer is held back rather than pages piling up in memory.
        self._slots = threading.BoundedSemaphore(_OCR_PROCESSES + 1)
        self._encoding: deque[tuple[Future[bytes], tuple[int, int]]] = deque()
        self._encoder: ThreadPoolExecutor | None = None

    def add(self, page: Page) -> None:
        if not self.ocr:
            self._add_later(page.image)
            return
        jpeg = _jpeg(page.image)
        index = self._add_image_only(jpeg, page.image.size)
        if not self.ocr:
            return
        languages = languages_for(page.scripts) or languages_for(_osd_scripts(jpeg, self.dpi, self.deadline))
        languages = languages or languages_for(["Latin"])
        if not languages:
            return
        if tuple(languages) != self._batch_languages:
            self._send()
            self._batch_languages = tuple(languages)
        grey = page.image.convert("L")
        self._batch.append((index, grey))
        self._batch_pixels += grey.width * grey.height
        if len(self._batch) >= _OCR_BATCH_PAGES or self._batch_pixels >= _OCR_BATCH_PIXELS:
            self._send()

    def _add_later(self, image: Image.Image) -> None:
        """Encode ``image`` in a thread of its own and add it once the pages before it are in, in order."""
        pixels = image.width * image.height
        while self._encoding and (
            len(self._encoding) >= _ENCODERS
            or sum(width * height for _, (width, height) in self._encoding) + pixels > _ENCODING_PIXELS
        ):
            self._add_encoded()
        if self._encoder is None:
            self._encoder = ThreadPoolExecutor(max_workers=_ENCODERS, thread_name_prefix="longarm-jpeg")
        self._encoding.append((self._encoder.submit(_jpeg, image), image.size))

    def _add_encoded(self) -> None:
        future, size = self._encoding.popleft()
        try:
            jpeg = future.result(timeout=self.deadline.left())
        except TimeoutError:
            raise Unsanitisable(FailureReason.TIMEOUT) from None
        self._add_image_only(jpeg, size)

    def _send(self) -> None:
        """Hand the pages gathered so far to a Tesseract run of their own."""
        if not self._batch:
            return
        images = [image for _, image in self._batch]
        indexes = [index for index, _ in self._batch]
        self._batch, self._batch_pixels = [], 0
        buffer = io.BytesIO()
        images[0].save(buffer, format="TIFF", save_all=True, append_images=images[1:])
        del images
        if not self._slots.acquire(timeout=self.deadline.left()):
            raise Unsanitisable(FailureReason.TIMEOUT)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=_OCR_PROCESSES, thread_name_prefix="longarm-ocr")
        future = self._pool.submit(self._read_text, buffer.getvalue(), self._batch_languages)
        future.add_done_callback(lambda _: self._slots.release())
        self._runs.append((indexes, self._batch_languages, future))

    def _read_text(self, tiff: bytes, languages: tuple[str, ...]) -> bytes | None:
        program = tesseract()
        assert program is not None  # noqa: S101 - checked in __init__
        status, output = sandbox.run(
            [
                program, "stdin", "stdout", "--dpi", str(self.dpi), "--oem", "1", "--psm", "3",
                "-l", "+".join(languages), "-c", "textonly_pdf=1", "pdf",
            ],
            input_data=tiff,
            seconds=self.deadline.left(),
            memory=_memory(),
            environment=_TESSERACT_ENVIRONMENT,
        )  # fmt: skip
        return output if status == 0 and output.startswith(b"%PDF") else None

    def _lay_text(self) -> None:
        """Wait for every Tesseract run and lay each page's text over its image."""
        self._send()
        for indexes, languages, future in self._runs:
            try:
                output = future.result(timeout=self.deadline.left())
            except TimeoutError:
                raise Unsanitisable(FailureReason.TIMEOUT) from None
            if output is None:
                continue
            try:
                text = pikepdf.open(io.BytesIO(output))
            except pikepdf.PdfError:
                continue
            with text:
                if len(text.pages) != len(indexes):
                    continue
                for index, text_page in zip(indexes, text.pages, strict=True):
                    self.pdf.pages[index].add_overlay(text_page, None)
            self.languages.update(languages)
            self.ocr_pages += len(indexes)
        self._runs = []

    def close(self) -> None:
        """End the OCR and encoding threads; a run under way stops at its own time limit."""
        self._encoding.clear()
        if self._encoder is not None:
            self._encoder.shutdown(wait=False, cancel_futures=True)
            self._encoder = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _add_image_only(self, jpeg: bytes, size: tuple[int, int]) -> int:
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
        return len(self.pdf.pages) - 1

    def save(self, out: Workspace) -> None:
        try:
            while self._encoding:
                self._add_encoded()
            self._lay_text()
        finally:
            self.close()
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
        self.pdf.close()

    def summary(self) -> dict[str, Any]:
        return {"text_layer": "ocr" if self.ocr_pages else "none", "ocr_languages": sorted(self.languages)}


def pages_to_pdf(pages: Iterable[Page], out: Workspace, *, deadline: Deadline) -> dict[str, Any]:
    builder = PdfBuilder(dpi=int(settings.LONGARM_EVIDENCE_DOCUMENT_DPI), deadline=deadline)
    try:
        for page in pages:
            deadline.left()
            builder.add(page)
        builder.save(out)
    finally:
        builder.close()
    return builder.summary()
