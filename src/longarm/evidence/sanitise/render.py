"""The document renderer: the one program that parses a hostile document, run as a child process in the
sandbox (``sandbox.py``: time and memory limits, no network). It turns a PDF, an office document (through
LibreOffice headless), an EPUB book (laid out by WeasyPrint) or an SVG into pages of raw pixels, and nothing
else leaves it: the method of Dangerzone (freedomofpress/dangerzone, "doc to pixels"). The parent builds the
clean copy from those pixels alone (``documents.py``), so no object, font program, script, form, embedded
file or metadata of the original can reach it, even from a renderer the file has taken over.

It imports neither Django nor anything of Longarm but the standard library and the renderers, and speaks a
small protocol on standard output, one record after the other:

- ``P`` + 4-byte big-endian header length + JSON header (``width``, ``height``, ``mode``: ``RGB``, ``RGBX``
  or ``RGBA``, ``scripts``: the writing systems of the page's own text, to choose OCR languages, unless
  ``--no-text``) + the raw pixels, ``width * height`` times 3 bytes (``RGB``) or 4, row by row. PDFium's
  bitmap goes out as it is drawn (``RGBX``), with no copy made of it here;
- then exactly one of ``E`` (the end: the document's capture metadata as JSON) or ``X`` (a failure: JSON
  with ``reason``, one of the names in ``FAILURES``), each with a 4-byte length first.

Its messages never quote the file, and it prints nothing else.
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element

FAILURES = {"damaged", "encrypted", "pixel_bomb", "too_many_pages", "unrenderable"}
# Writing systems told apart by the first word of a character's Unicode name.
_SCRIPTS = {
    "LATIN": "Latin",
    "CJK": "Han",
    "HIRAGANA": "Japanese",
    "KATAKANA": "Japanese",
    "ARABIC": "Arabic",
    "CYRILLIC": "Cyrillic",
    "TIBETAN": "Tibetan",
    "MONGOLIAN": "Mongolian",
    "HANGUL": "Hangul",
}
_TEXT_SAMPLE = 4000
_TURKISH = set("ğĞşŞıİ")
_OFFICE_SECONDS_SHARE = 0.6


class Failure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _record(out: IO[bytes], tag: bytes, header: dict[str, Any], body: bytes | memoryview = b"") -> None:
    encoded = json.dumps(header, ensure_ascii=True, default=str).encode()
    out.write(tag + struct.pack(">I", len(encoded)) + encoded)
    if body:
        out.write(body)
    out.flush()


def scripts_of(text: str) -> list[str]:
    """The writing systems that make up a fair share of ``text``'s letters, most frequent first."""
    counts: Counter[str] = Counter()
    for char in text[:_TEXT_SAMPLE]:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        script = _SCRIPTS.get(name.split(" ", 1)[0])
        if script:
            counts[script] += 1
    total = sum(counts.values())
    found = [script for script, count in counts.most_common() if count >= 20 or count * 10 >= total > 0]
    if "Latin" in found and any(char in _TURKISH for char in text[:_TEXT_SAMPLE]):
        found.insert(found.index("Latin") + 1, "Turkish")
    return found


def _text(value: Any) -> str:
    try:
        return str(value)
    except (UnicodeDecodeError, ValueError):
        return repr(value)


def pdf_metadata(path: str) -> dict[str, Any]:
    """Document information, XMP and the active content a PDF carries: evidence for investigators."""
    import pikepdf

    metadata: dict[str, Any] = {}
    try:
        with pikepdf.open(path) as pdf:
            metadata["pages"] = len(pdf.pages)
            info = {key.lstrip("/"): _text(value) for key, value in pdf.docinfo.items()}
            if info:
                metadata["info"] = info
            if "/Metadata" in pdf.Root:
                try:
                    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
                        metadata["xmp"] = {key: _text(value) for key, value in xmp.items()}
                except (ValueError, pikepdf.PdfError):
                    metadata["xmp"] = "unreadable"
            names = pdf.Root.get("/Names")
            if isinstance(names, pikepdf.Dictionary):
                metadata["has_javascript"] = "/JavaScript" in names
                metadata["has_embedded_files"] = "/EmbeddedFiles" in names
            metadata["has_open_action"] = "/OpenAction" in pdf.Root
            metadata["has_form"] = "/AcroForm" in pdf.Root
    except pikepdf.PasswordError:
        raise Failure("encrypted") from None
    except (pikepdf.PdfError, ValueError, KeyError, RecursionError, OSError):
        metadata["unreadable_structure"] = True
    return metadata


_OFFICE_PARTS = ("docProps/core.xml", "docProps/app.xml", "meta.xml")


def office_metadata(path: str) -> dict[str, Any]:
    """Author, dates, revision and application from an OOXML or ODF package's property parts."""
    from defusedxml import ElementTree

    metadata: dict[str, Any] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for part in _OFFICE_PARTS:
                if part not in names or archive.getinfo(part).file_size > 1024 * 1024:
                    continue
                root = ElementTree.fromstring(archive.read(part))
                values = {
                    _local(element.tag): element.text.strip()
                    for element in root.iter()
                    if element.text and element.text.strip() and not list(element)
                }
                values.update(_odf_user_fields(root))
                if values:
                    metadata[part] = values
            metadata["parts"] = len(names)
            comments = [name for name in names if "comment" in name.lower()]
            if comments:
                metadata["comment_parts"] = sorted(comments)[:50]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, SyntaxError, EOFError, NotImplementedError):
        return metadata
    except Exception:
        return metadata
    return metadata


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _odf_user_fields(root: Element) -> dict[str, str]:
    fields = {}
    for element in root.iter():
        if _local(element.tag) == "user-defined" and element.text:
            name = next((value for key, value in element.attrib.items() if _local(key) == "name"), "")
            if name:
                fields[f"user-defined:{name}"] = element.text.strip()
    return fields


def _pdfium_pages(path: str, options: argparse.Namespace, out: IO[bytes]) -> int:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        # A file object, not the path: PDFium would follow /proc/self/fd/N to the memfd's name, which is none.
        document = pdfium.PdfDocument(open(path, "rb"), autoclose=True)  # noqa: SIM115 - closed with it
    except pdfium.PdfiumError as error:
        raise Failure("encrypted" if error.err_code == pdfium_c.FPDF_ERR_PASSWORD else "damaged") from None
    with contextlib.closing(document):
        count = len(document)
        if count == 0:
            raise Failure("damaged")
        if count > options.max_pages:
            raise Failure("too_many_pages")
        with contextlib.suppress(pdfium.PdfiumError):
            document.init_forms()
        for index in range(count):
            page = document[index]
            with contextlib.closing(page):
                width, height = page.get_size()
                if width <= 0 or height <= 0:
                    raise Failure("damaged")
                scale = options.dpi / 72
                if width * height * scale * scale > options.max_page_pixels:
                    scale = (options.max_page_pixels / (width * height)) ** 0.5
                text = ""
                if options.text:
                    with contextlib.suppress(pdfium.PdfiumError):
                        text = page.get_textpage().get_text_range()[:_TEXT_SAMPLE]
                bitmap = page.render(scale=scale, may_draw_forms=True, rev_byteorder=True, prefer_bgrx=True)
                with contextlib.closing(bitmap):
                    header = {"width": bitmap.width, "height": bitmap.height, "scripts": scripts_of(text)}
                    if bitmap.mode == "RGBX" and bitmap.stride == bitmap.width * 4:
                        _record(out, b"P", {**header, "mode": "RGBX"}, memoryview(bitmap.buffer))
                    else:
                        pixels = bitmap.to_pil().convert("RGB").tobytes()
                        _record(out, b"P", {**header, "mode": "RGB"}, pixels)
    return count


def render_pdf(options: argparse.Namespace, out: IO[bytes]) -> dict[str, Any]:
    # The metadata is read in a thread of its own while PDFium draws the pages (PDFium's calls release the
    # GIL), so that the end record follows the last page at once.
    found: dict[str, Any] = {}

    def read_metadata() -> None:
        try:
            found["metadata"] = pdf_metadata(options.input)
        except Failure as failure:
            found["failure"] = failure

    reader = threading.Thread(target=read_metadata, name="metadata", daemon=True)
    reader.start()
    pages = _pdfium_pages(options.input, options, out)
    reader.join()
    if "failure" in found:
        raise found["failure"]
    metadata: dict[str, Any] = found.get("metadata", {"unreadable_structure": True})
    metadata["pages"] = pages
    return metadata


def render_office(options: argparse.Namespace, out: IO[bytes]) -> dict[str, Any]:
    """LibreOffice headless converts the document to PDF in a private directory in memory, then the PDF is
    rendered like any other. Its own settings live in a fresh profile there, so no macro, link update or
    network fetch enabled elsewhere applies."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise Failure("unrenderable")
    metadata = office_metadata(options.input) if zipfile.is_zipfile(options.input) else {}
    base = options.scratch or None
    with tempfile.TemporaryDirectory(prefix="longarm-office-", dir=base) as scratch:
        folder = Path(scratch)
        source = folder / f"document.{options.extension}"
        with open(options.input, "rb") as original, open(source, "wb") as copy:
            shutil.copyfileobj(original, copy)
        # A fixed search path, not the worker's: LibreOffice's own helpers live in the system's directories.
        environment = {"HOME": str(folder), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        try:
            subprocess.run(  # noqa: S603 - fixed program, our own arguments
                [
                    office,
                    f"-env:UserInstallation=file://{folder}/profile",
                    "--headless",
                    "--norestore",
                    "--nolockcheck",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder / "out"),
                    str(source),
                ],
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=max(10.0, options.seconds * _OFFICE_SECONDS_SHARE),
                check=False,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            raise Failure("unrenderable") from None
        converted = folder / "out" / "document.pdf"
        source.unlink()
        if not converted.is_file() or converted.stat().st_size == 0:
            raise Failure("unrenderable")
        metadata["pages"] = _pdfium_pages(str(converted), options, out)
    return metadata


def _refuse_fetch(url: str, resource_type: str) -> bytes:
    """CairoSVG's resource loader: only ``data:`` URLs inside the file itself, never a file or the network."""
    if not url.startswith("data:") or len(url) > 32 * 1024 * 1024:
        return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
    from urllib.request import urlopen

    with urlopen(url) as response:  # noqa: S310 - a data: URL, decoded in memory
        data: bytes = response.read()
        return data


_SVG_TEXTS = {"title", "desc", "creator", "date", "publisher", "source", "rights", "description"}


def svg_metadata(data: bytes) -> dict[str, Any]:
    from defusedxml import ElementTree

    metadata: dict[str, Any] = {}
    try:
        root = ElementTree.fromstring(data)
    except Exception:
        return metadata
    for element in root.iter():
        name = _local(str(element.tag))
        if name in _SVG_TEXTS and element.text and element.text.strip():
            metadata.setdefault(name, element.text.strip()[:2000])
        for key, value in element.attrib.items():
            local = _local(key)
            if local in {"docname", "export-filename", "version", "absref"} and value:
                metadata.setdefault(f"attribute:{local}", value[:2000])
    return metadata


def render_svg(options: argparse.Namespace, out: IO[bytes]) -> dict[str, Any]:
    from cairosvg.surface import PNGSurface
    from PIL import Image

    with open(options.input, "rb") as file:
        data = file.read()
    metadata = svg_metadata(data)
    try:
        png = PNGSurface.convert(bytestring=data, url_fetcher=_refuse_fetch, unsafe=False)
    except Exception:
        raise Failure("damaged") from None
    if not png:
        raise Failure("damaged")
    Image.MAX_IMAGE_PIXELS = options.max_page_pixels
    try:
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            if image.width * image.height > options.max_page_pixels:
                raise Failure("pixel_bomb")
            pixels = image.convert("RGBA")
    except (Image.DecompressionBombError, OSError, ValueError):
        raise Failure("pixel_bomb") from None
    _record(
        out,
        b"P",
        {"width": pixels.width, "height": pixels.height, "mode": "RGBA", "scripts": []},
        pixels.tobytes(),
    )
    metadata["pages"] = 1
    return metadata


# EPUB books: a ZIP of XHTML chapters, style sheets and pictures, listed by a package document (OPF).
_EPUB_MAX_ENTRIES = 10_000
_EPUB_MAX_BYTES = 512 * 1024 * 1024
_EPUB_MAX_ENTRY_BYTES = 64 * 1024 * 1024
# Resources are fetched from inside the book under this origin; ".invalid" names no host anywhere.
_EPUB_ORIGIN = "http://epub.invalid/"
# encryption.xml also lists fonts merely obfuscated (IDPF, Adobe) in books anyone can read.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_EPUB_FIELDS = {
    *("title", "creator", "contributor", "date", "publisher", "identifier", "language"),
    *("rights", "source", "description", "subject"),
}


def _epub_archive(path: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Failure("damaged") from None
    infos = archive.infolist()
    if len(infos) > _EPUB_MAX_ENTRIES or sum(info.file_size for info in infos) > _EPUB_MAX_BYTES:
        raise Failure("unrenderable")
    if any(info.flag_bits & 0x1 for info in infos) or "META-INF/rights.xml" in archive.namelist():
        raise Failure("encrypted")
    return archive


def _epub_read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _EPUB_MAX_ENTRY_BYTES:
        raise Failure("unrenderable")
    with archive.open(info) as entry:
        data = entry.read(_EPUB_MAX_ENTRY_BYTES + 1)
    if len(data) > _EPUB_MAX_ENTRY_BYTES:
        raise Failure("unrenderable")
    return data


def _epub_protected(archive: zipfile.ZipFile) -> bool:
    """Whether the book's content (not only its fonts) is encrypted: DRM, which nothing here can read."""
    from defusedxml import ElementTree

    if "META-INF/encryption.xml" not in archive.namelist():
        return False
    root = ElementTree.fromstring(_epub_read(archive, "META-INF/encryption.xml"))
    methods = [
        element.attrib.get("Algorithm", "")
        for element in root.iter()
        if _local(str(element.tag)) == "EncryptionMethod"
    ]
    return any(method not in _FONT_OBFUSCATION for method in methods)


def epub_package(archive: zipfile.ZipFile) -> tuple[str, dict[str, Any], list[str]]:
    """The package document's path, the book's metadata and its reading order (the spine's documents)."""
    import posixpath

    from defusedxml import ElementTree

    container = ElementTree.fromstring(_epub_read(archive, "META-INF/container.xml"))
    rootfile = next(
        (
            element.attrib.get("full-path", "")
            for element in container.iter()
            if _local(str(element.tag)) == "rootfile"
        ),
        "",
    )
    if not rootfile:
        raise Failure("damaged")
    package = ElementTree.fromstring(_epub_read(archive, rootfile))
    folder = posixpath.dirname(rootfile)
    metadata: dict[str, Any] = {}
    manifest: dict[str, tuple[str, str]] = {}
    spine: list[str] = []
    for element in package.iter():
        name = _local(str(element.tag))
        if name in _EPUB_FIELDS and element.text and element.text.strip():
            metadata.setdefault(name, []).append(element.text.strip()[:2000])
        elif name == "meta" and element.attrib.get("property") and element.text:
            metadata.setdefault(f"meta:{element.attrib['property']}", []).append(element.text.strip()[:2000])
        elif name == "item":
            href = posixpath.normpath(posixpath.join(folder, element.attrib.get("href", "")))
            manifest[element.attrib.get("id", "")] = (href, element.attrib.get("media-type", ""))
        elif name == "itemref" and element.attrib.get("linear", "yes") != "no":
            spine.append(element.attrib.get("idref", ""))
    documents = [
        manifest[idref][0]
        for idref in spine
        if idref in manifest and manifest[idref][1] in {"application/xhtml+xml", "text/html"}
    ]
    if not documents:
        raise Failure("damaged")
    return (
        rootfile,
        {key: values[0] if len(values) == 1 else values for key, values in metadata.items()},
        documents,
    )


def _epub_fetcher(archive: zipfile.ZipFile) -> Any:
    """A WeasyPrint URL fetcher that serves the book's own files and nothing else: every other URL (the
    network, local files) fails, and the renderer draws without it."""
    import mimetypes
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    names = set(archive.namelist())

    class BookFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") and len(url) < 32 * 1024 * 1024:
                return super().fetch(url, headers)
            if not url.startswith(_EPUB_ORIGIN):
                raise ValueError("outside the book")
            name = unquote(urlsplit(url).path).lstrip("/")
            if name not in names:
                raise ValueError("not in the book")
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if name.endswith((".xhtml", ".html", ".htm")):
                kind = "application/xhtml+xml" if name.endswith(".xhtml") else "text/html"
            return URLFetcherResponse(url, body=_epub_read(archive, name), headers={"Content-Type": kind})

    return BookFetcher()


def render_epub(options: argparse.Namespace, out: IO[bytes]) -> dict[str, Any]:
    """An EPUB book's chapters laid out by WeasyPrint (which runs no script) into one PDF in the private
    scratch directory, then rendered like any other PDF. Only the book's own files are read."""
    from urllib.parse import quote

    import weasyprint

    archive = _epub_archive(options.input)
    with contextlib.closing(archive):
        try:
            if _epub_protected(archive):
                raise Failure("encrypted")
            _, book, documents = epub_package(archive)
        except (KeyError, SyntaxError, ValueError, zipfile.BadZipFile, EOFError):
            raise Failure("damaged") from None
        fetcher = _epub_fetcher(archive)
        pages: list[Any] = []
        first: Any = None
        for document in documents:
            rendered = weasyprint.HTML(
                url=_EPUB_ORIGIN + quote(document), url_fetcher=fetcher, media_type="print"
            ).render()
            first = first or rendered
            pages.extend(rendered.pages)
            if len(pages) > options.max_pages:
                raise Failure("too_many_pages")
        if first is None or not pages:
            raise Failure("damaged")
        with tempfile.TemporaryDirectory(prefix="longarm-epub-", dir=options.scratch or None) as scratch:
            laid_out = Path(scratch) / "book.pdf"
            first.copy(pages).write_pdf(laid_out)
            metadata: dict[str, Any] = {"epub": book, "chapters": len(documents)}
            metadata["pages"] = _pdfium_pages(str(laid_out), options, out)
    return metadata


_RENDERERS = {"pdf": render_pdf, "office": render_office, "svg": render_svg, "epub": render_epub}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="longarm-render")
    parser.add_argument("kind", choices=sorted(_RENDERERS))
    parser.add_argument("input")
    parser.add_argument("--extension", default="pdf")
    parser.add_argument("--dpi", type=float, default=150)
    parser.add_argument("--max-page-pixels", type=int, default=40_000_000)
    parser.add_argument("--max-pages", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--scratch", default="")
    # The pages' own text only chooses the OCR languages: not read when no text layer is made.
    parser.add_argument("--no-text", dest="text", action="store_false")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = _arguments(sys.argv[1:] if argv is None else argv)
    out = sys.stdout.buffer
    # Nothing the libraries print may mix with the records: their messages go nowhere.
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of this process
    try:
        metadata = _RENDERERS[options.kind](options, out)
    except Failure as failure:
        _record(out, b"X", {"reason": failure.reason})
        return 0
    except MemoryError:
        _record(out, b"X", {"reason": "unrenderable"})
        return 0
    except Exception:
        _record(out, b"X", {"reason": "damaged"})
        return 0
    _record(out, b"E", metadata)
    return 0


def iter_records(stream: IO[bytes]) -> Iterator[tuple[bytes, dict[str, Any], IO[bytes]]]:
    """Read records as ``render`` writes them (used by the parent, which checks every size it is told)."""
    while tag := stream.read(1):
        length = struct.unpack(">I", _exactly(stream, 4))[0]
        if length > 4 * 1024 * 1024:
            raise ValueError("header too long")
        yield tag, json.loads(_exactly(stream, length)), stream


def _exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("record cut short")
    return data


if __name__ == "__main__":
    sys.exit(main())
