"""Text, CSV and HTML chat exports: decoded strictly and written again as plain UTF-8. HTML is reduced to
its text (scripts, styles, links and embedded objects dropped), so the derivative can never run anything.
A CSV stays CSV, with every cell a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab or
carriage return first, and not a plain number) prefixed with an apostrophe, so that opening the copy in a
spreadsheet can run nothing (CSV injection)."""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from longarm.evidence.detection import DetectedType
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.sanitise import Sanitised, chats
from longarm.evidence.workspace import Workspace

_BLOCKS = {
    *("br", "p", "div", "tr", "td", "th", "li", "ul", "ol", "dl", "dt", "dd", "table", "section", "article"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "main", "aside", "blockquote", "pre", "hr"),
}
# A block longer than this is cut into lines, so a page without any holds no more than this in memory.
_LONGEST_LINE = 64 * 1024
_SILENT = {"script", "style", "template", "noscript", "object", "iframe", "svg"}
_META = {"author", "generator", "description", "date", "created", "application-name"}


class _TextOfHtml(HTMLParser):
    """The text of an HTML page, a line per block, runs of white space made one space (chat exports are
    indented markup; their text should read like the chat)."""

    def __init__(self, out: Workspace) -> None:
        super().__init__(convert_charrefs=True)
        self._out = out
        self._silent = 0
        self._in_title = False
        self._line: list[str] = []
        self._pending = 0
        self.metadata: dict[str, Any] = {}

    def _break(self) -> None:
        line = " ".join("".join(self._line).split())
        if line:
            self._out.file.write(line.encode("utf-8") + b"\n")
        self._line, self._pending = [], 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SILENT:
            self._silent += 1
        elif tag in _BLOCKS:
            self._break()
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = dict(attrs)
            name = (values.get("name") or "").lower()
            if name in _META and values.get("content"):
                self.metadata[name] = values["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag in _SILENT and self._silent:
            self._silent -= 1
        elif tag in _BLOCKS:
            self._break()
        elif tag == "title":
            self._in_title = False
            self._break()

    def handle_data(self, data: str) -> None:
        if self._silent:
            return
        if self._in_title:
            self.metadata["title"] = data.strip()
        self._line.append(data)
        self._pending += len(data)
        if self._pending > _LONGEST_LINE:
            self._break()

    def close(self) -> None:
        super().close()
        self._break()


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?$")


def neutralised(cell: str) -> str:
    """A CSV cell that no spreadsheet will take for a formula."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def _lines(source: Workspace, decoder: codecs.IncrementalDecoder) -> Iterator[str]:
    pending = ""
    for piece in source.chunks():
        pending += decoder.decode(piece)
        lines = pending.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _sanitise_csv(source: Workspace, encoding: str, out: Workspace) -> Sanitised:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    sample = source.head(16384).decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    out.file.seek(0)
    out.file.truncate(0)
    text = io.TextIOWrapper(out.file, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
    rows = changed = 0
    try:
        for row in csv.reader(_lines(source, decoder), delimiter=delimiter):
            cells = [neutralised(cell) for cell in row]
            changed += sum(cell != original for cell, original in zip(cells, row, strict=True))
            writer.writerow(cells)
            rows += 1
    except (UnicodeDecodeError, csv.Error):
        raise Unsanitisable(FailureReason.DAMAGED) from None
    finally:
        text.detach()
    out.file.flush()
    metadata = {"encoding": encoding, "rows": rows, "formula_cells_neutralised": changed}
    return Sanitised(content_type="text/csv; charset=utf-8", metadata=metadata)


def sanitise_text(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    encoding = _encoding(source.head(65536))
    if detected.content_type == "text/csv":
        return _sanitise_csv(source, encoding, out)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    out.file.seek(0)
    out.file.truncate(0)
    html = _TextOfHtml(out) if detected.content_type == "text/html" else None
    lines = 0
    try:
        for piece in source.chunks():
            text = decoder.decode(piece)
            lines += text.count("\n")
            if html is not None:
                html.feed(text)
            else:
                out.file.write(text.encode("utf-8"))
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise Unsanitisable(FailureReason.DAMAGED) from None
    if html is not None:
        html.feed(tail)
        html.close()
    else:
        out.file.write(tail.encode("utf-8"))
    out.file.flush()
    metadata: dict[str, Any] = {"encoding": encoding, "lines": lines}
    if html is not None and html.metadata:
        metadata["html"] = html.metadata
    sample = out.head(_IDENTIFIER_SCAN_BYTES).decode("utf-8", errors="ignore")
    export = chats.recognise(sample, html=html is not None)
    if export is not None:
        metadata["chat_export"] = export.app
    offers = chats.offers_in(
        sample, region=export.region if export else None, app=export.app if export else None
    )
    return Sanitised(content_type="text/plain; charset=utf-8", metadata=metadata, offers=offers)


_IDENTIFIER_SCAN_BYTES = 4 * 1024 * 1024
