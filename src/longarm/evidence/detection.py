"""File type detection from content, never from the name or the browser's claim.

An explicit allowlist of signatures for exactly the types Longarm accepts (issue 3). It is not a security
boundary on its own: every accepted file is parsed again by its sanitiser, in the worker, and anything that
fails there keeps its encrypted original and a visible failure. Detection only decides, before a byte is
stored, whether a file is worth keeping at all.
"""

import codecs
import csv
import io
import itertools
import re
from dataclasses import dataclass

from longarm.evidence.models import EvidenceKind
from longarm.evidence.sanitise.chats import recognise as recognise_chat

# Enough for every signature below and for a fair judgement of text.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class DetectedType:
    kind: EvidenceKind
    content_type: str
    extension: str


JPEG = DetectedType(EvidenceKind.IMAGE, "image/jpeg", "jpg")
PNG = DetectedType(EvidenceKind.IMAGE, "image/png", "png")
WEBP = DetectedType(EvidenceKind.IMAGE, "image/webp", "webp")
HEIC = DetectedType(EvidenceKind.IMAGE, "image/heic", "heic")
AVIF = DetectedType(EvidenceKind.IMAGE, "image/avif", "avif")
TIFF = DetectedType(EvidenceKind.IMAGE, "image/tiff", "tiff")
GIF = DetectedType(EvidenceKind.IMAGE, "image/gif", "gif")
BMP = DetectedType(EvidenceKind.IMAGE, "image/bmp", "bmp")
JXL = DetectedType(EvidenceKind.IMAGE, "image/jxl", "jxl")
SVG = DetectedType(EvidenceKind.IMAGE, "image/svg+xml", "svg")
PDF = DetectedType(EvidenceKind.PDF, "application/pdf", "pdf")
DOCX = DetectedType(
    EvidenceKind.DOCUMENT, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
XLSX = DetectedType(
    EvidenceKind.DOCUMENT, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
)
PPTX = DetectedType(
    EvidenceKind.DOCUMENT, "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
)
ODT = DetectedType(EvidenceKind.DOCUMENT, "application/vnd.oasis.opendocument.text", "odt")
ODS = DetectedType(EvidenceKind.DOCUMENT, "application/vnd.oasis.opendocument.spreadsheet", "ods")
ODP = DetectedType(EvidenceKind.DOCUMENT, "application/vnd.oasis.opendocument.presentation", "odp")
ODG = DetectedType(EvidenceKind.DOCUMENT, "application/vnd.oasis.opendocument.graphics", "odg")
RTF = DetectedType(EvidenceKind.DOCUMENT, "application/rtf", "rtf")
EPUB = DetectedType(EvidenceKind.DOCUMENT, "application/epub+zip", "epub")
M4A = DetectedType(EvidenceKind.AUDIO, "audio/mp4", "m4a")
AAC = DetectedType(EvidenceKind.AUDIO, "audio/aac", "aac")
MP3 = DetectedType(EvidenceKind.AUDIO, "audio/mpeg", "mp3")
OGG = DetectedType(EvidenceKind.AUDIO, "audio/ogg", "ogg")
AMR = DetectedType(EvidenceKind.AUDIO, "audio/amr", "amr")
WAV = DetectedType(EvidenceKind.AUDIO, "audio/wav", "wav")
FLAC = DetectedType(EvidenceKind.AUDIO, "audio/flac", "flac")
AIFF = DetectedType(EvidenceKind.AUDIO, "audio/aiff", "aiff")
# WeChat voice notes: SILK v3, no registered media type.
SILK = DetectedType(EvidenceKind.AUDIO, "audio/x-silk", "silk")
MP4 = DetectedType(EvidenceKind.VIDEO, "video/mp4", "mp4")
MOV = DetectedType(EvidenceKind.VIDEO, "video/quicktime", "mov")
WEBM = DetectedType(EvidenceKind.VIDEO, "video/webm", "webm")
THREE_GP = DetectedType(EvidenceKind.VIDEO, "video/3gpp", "3gp")
MKV = DetectedType(EvidenceKind.VIDEO, "video/x-matroska", "mkv")
AVI = DetectedType(EvidenceKind.VIDEO, "video/x-msvideo", "avi")
# Windows Media (WMV, WMA): one container, ASF; its copy is a video, or sound only if it has no picture.
ASF = DetectedType(EvidenceKind.VIDEO, "video/x-ms-asf", "wmv")
TEXT = DetectedType(EvidenceKind.TEXT, "text/plain", "txt")
HTML = DetectedType(EvidenceKind.TEXT, "text/html", "html")
CSV = DetectedType(EvidenceKind.TEXT, "text/csv", "csv")
ZIP = DetectedType(EvidenceKind.ARCHIVE, "application/zip", "zip")

BY_CONTENT_TYPE = {
    detected.content_type: detected
    for detected in (
        *(JPEG, PNG, WEBP, HEIC, AVIF, TIFF, GIF, BMP, JXL, SVG, PDF),
        *(DOCX, XLSX, PPTX, ODT, ODS, ODP, ODG, RTF, EPUB),
        *(M4A, AAC, MP3, OGG, AMR, WAV, FLAC, AIFF, SILK),
        *(MP4, MOV, WEBM, THREE_GP, MKV, AVI, ASF, TEXT, HTML, CSV, ZIP),
    )
}


# Types that are ZIP files by design: the polyglot check lets their end be a ZIP directory.
ZIP_BASED = frozenset(detected.content_type for detected in (ZIP, DOCX, XLSX, PPTX, ODT, ODS, ODP, ODG, EPUB))


def extension_for(content_type: str) -> str:
    """The usual file name extension for a detected or derivative content type."""
    if content_type.startswith("text/plain"):
        return "txt"
    detected = BY_CONTENT_TYPE.get(content_type.split(";")[0].strip())
    return detected.extension if detected else "bin"


_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_AVIF_BRANDS = {b"avif", b"avis"}
# JPEG XL: an ISO media-like container with its own signature box, or a bare code stream.
_JXL_CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
_JXL_CODESTREAM = b"\xff\x0a"
# Two bytes are a weak signature: even the smallest real code stream (one pixel) is longer than this.
_JXL_SMALLEST = 16
_ASF_HEADER = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
# ODF packages and EPUB books begin with an uncompressed "mimetype" entry naming what they are.
_PACKAGE_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
    b"application/vnd.oasis.opendocument.presentation": ODP,
    b"application/vnd.oasis.opendocument.graphics": ODG,
    b"application/epub+zip": EPUB,
}
# Office Open XML: the folder of the main part, among the first entries' names.
_OOXML_FOLDERS = {b"word/": DOCX, b"xl/": XLSX, b"ppt/": PPTX}
_SVG_START = re.compile(
    r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+svg[^>]*>\s*)?(<!--.*?-->\s*)*<svg[\s>]",
    re.IGNORECASE | re.DOTALL,
)
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"mmp4",
    b"dash",
}
_HTML_START = re.compile(r"^\s*(<!doctype\s+html|<html|<head|<meta|<body|<table|<div)", re.IGNORECASE)
# C0 controls other than tab, newline, form feed and carriage return do not occur in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def detect(head: bytes, *, complete: bool) -> DetectedType | None:
    """Return the accepted type the first bytes of a file show, or None if it is not one we accept.

    ``complete`` says that ``head`` is the whole file, so text must not end in a broken character.
    """
    if not head:
        return None
    for check in (_signature, _iso_media, _mpeg_audio):
        detected = check(head)
        if detected is not None:
            return detected
    return _text(head, complete=complete)


def _signature(head: bytes) -> DetectedType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_JXL_CONTAINER) or (head.startswith(_JXL_CODESTREAM) and len(head) >= _JXL_SMALLEST):
        return JXL
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_package(head)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADERS:
        return BMP
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(b"fLaC"):
        return FLAC
    if head[:4] == b"FORM" and head[8:12] in {b"AIFF", b"AIFC"}:
        return AIFF
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return AVI
    if head.startswith(_ASF_HEADER):
        return ASF
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"matroska" in head[:64]:
        return MKV
    if head.startswith((b"#!SILK_V3", b"\x02#!SILK_V3")):
        return SILK
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return AMR
    if head.startswith(b"OggS") and (b"OpusHead" in head[:512] or b"\x01vorbis" in head[:512]):
        return OGG
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return WEBM
    return None


_BMP_HEADERS = {12, 40, 52, 56, 64, 108, 124}


def _zip_package(head: bytes) -> DetectedType:
    """An office document or an e-book (ZIP packages) by its first entries; any other ZIP is an archive."""
    if head[26:28] == (8).to_bytes(2, "little") and head[30:38] == b"mimetype":
        extra = int.from_bytes(head[28:30], "little")
        start = 38 + extra
        for mimetype, detected in _PACKAGE_MIMETYPES.items():
            if head[start : start + len(mimetype)] == mimetype:
                return detected
    names = _local_entry_names(head)
    # Word writes "[Content_Types].xml" first, LibreOffice last: either it or the package's relations.
    if {"[Content_Types].xml", "_rels/.rels"} & set(names):
        for folder, detected in _OOXML_FOLDERS.items():
            if any(name.encode().startswith(folder) for name in names):
                return detected
    return ZIP


def _local_entry_names(head: bytes) -> list[str]:
    # Every local header in the head: entries written with a data descriptor do not say where the next
    # one starts, so look for their signatures (a false match only adds a name that is not a folder).
    names = []
    for match in re.finditer(re.escape(b"PK\x03\x04"), head):
        offset = match.start()
        if offset + 30 > len(head):
            break
        name_length = int.from_bytes(head[offset + 26 : offset + 28], "little")
        names.append(head[offset + 30 : offset + 30 + name_length].decode("utf-8", "replace"))
    return names


def _iso_media(head: bytes) -> DetectedType | None:
    if head[4:8] in {b"moov", b"mdat", b"wide"}:
        return MOV
    if head[4:8] != b"ftyp" or len(head) < 16:
        return None
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    brands = {major} | compatible
    if major in _AVIF_BRANDS or (major in {b"mif1", b"msf1"} and brands & _AVIF_BRANDS):
        return AVIF
    if major in _HEIF_BRANDS or (major in {b"mif1", b"msf1"} and brands & _HEIF_BRANDS):
        return HEIC
    if major.startswith((b"3gp", b"3g2")):
        return THREE_GP
    if major in {b"M4A ", b"M4B "}:
        return M4A
    if major == b"qt  ":
        return MOV
    if major in _MP4_BRANDS or brands & _MP4_BRANDS:
        return MP4
    return None


def _mpeg_audio(head: bytes) -> DetectedType | None:
    frame = head
    if head.startswith(b"ID3") and len(head) >= 10:
        tag_size = 10 + sum((byte & 0x7F) << (7 * (3 - i)) for i, byte in enumerate(head[6:10]))
        frame = head[tag_size:]
        if not frame:
            # The tag fills the whole sniffed head: a tagged MP3 with large cover art.
            return MP3
    if len(frame) < 2 or frame[0] != 0xFF:
        return None
    if frame[1] & 0xF6 == 0xF0:
        return AAC
    # Layer III or II, and a valid bitrate: a UTF-16 byte order mark (FF FE) would otherwise pass as layer I.
    if frame[1] & 0xE0 == 0xE0 and frame[1] & 0x06 in {0x02, 0x04} and len(frame) > 2 and frame[2] < 0xF0:
        return MP3
    return None


def decode_text(data: bytes, *, final: bool) -> str | None:
    """Decode text in the encodings chat exports come in; None if it is not text.

    With ``final=False`` a multi-byte character cut off at the end of ``data`` is tolerated.
    """
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            continue
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            return None
        return text
    return None


def _text(head: bytes, *, complete: bool) -> DetectedType | None:
    text = decode_text(head, final=complete)
    if text is None or not text.strip():
        return None
    if _SVG_START.match(text):
        return SVG
    if _HTML_START.match(text):
        return HTML
    if recognise_chat(text, html=False) is not None:
        # "[05/01/2024, 10:15:30] Name: text" has a comma on every line, but is a chat, not a table.
        return TEXT
    if _looks_like_csv(text, complete=complete):
        return CSV
    return TEXT


def _looks_like_csv(text: str, *, complete: bool) -> bool:
    """Rows with the same number of fields (two or more) for one separator, quoted fields read as the csv
    module reads them: a quoted cell with a comma in it must not make a table pass for text (its copy would
    then keep its formulas)."""
    for separator in (",", ";", "\t"):
        try:
            rows = [
                row for row in itertools.islice(csv.reader(io.StringIO(text), delimiter=separator), 7) if row
            ]
        except csv.Error:
            continue
        if not complete:
            # The sniffed head may end inside the last row.
            rows = rows[:-1]
        if len(rows) >= 2 and len({len(row) for row in rows}) == 1 and len(rows[0]) > 1:
            return True
    return False
