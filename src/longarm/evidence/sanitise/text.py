"""Text, CSV and HTML chat exports: decoded strictly and written again as plain UTF-8. HTML is reduced to
its text (scripts, styles, links and embedded objects dropped), so the derivative can never run anything."""

import codecs
from html.parser import HTMLParser
from typing import Any

from longarm.evidence.detection import DetectedType
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.workspace import Workspace

_BLOCKS = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article"}
_SILENT = {"script", "style", "template", "noscript", "object", "iframe", "svg"}
_META = {"author", "generator", "description", "date", "created", "application-name"}


class _TextOfHtml(HTMLParser):
    def __init__(self, out: Workspace) -> None:
        super().__init__(convert_charrefs=True)
        self._out = out
        self._silent = 0
        self._in_title = False
        self.metadata: dict[str, Any] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SILENT:
            self._silent += 1
        elif tag in _BLOCKS:
            self._out.file.write(b"\n")
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
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._silent:
            return
        if self._in_title:
            self.metadata["title"] = data.strip()
        self._out.file.write(data.encode("utf-8"))


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def sanitise_text(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    encoding = _encoding(source.head(65536))
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
    return Sanitised(content_type="text/plain; charset=utf-8", metadata=metadata)
