import zipfile
from pathlib import Path

import pytest

from longarm.evidence.detection import detect
from tests.evidence import files


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (files.jpeg_with_exif(), "image/jpeg"),
        (files.png(), "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isommp42", "audio/mp4"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x05abcde\xff\xfb\x90\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + bytes(100), "audio/mpeg"),
        (b"OggS\x00\x02" + bytes(22) + b"\x01\x13OpusHead", "audio/ogg"),
        (b"#!AMR\n\x3c", "audio/amr"),
        (b"#!SILK_V3\x0c\x00", "audio/x-silk"),
        (b"\x02#!SILK_V3\x0c\x00", "audio/x-silk"),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n\x00\x00\x00\x14ftypjxl ", "image/jxl"),
        (b"\xff\x0a\x00\x10" + bytes(14), "image/jxl"),
        # A comma on every line, but a WhatsApp chat, not a table.
        (b"[01/05/2024, 10:15:30] Li: come home\n[01/05/2024, 10:16:02] Me: no\n", "text/plain"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video/quicktime"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x00isom", "video/3gpp"),
        ("聊天记录 2024-05-01\n我: 你好\n".encode(), "text/plain"),
        ("مرحبا\n".encode("utf-16"), "text/plain"),
        (b"<!DOCTYPE html><html><body>chat</body></html>", "text/html"),
        (b"date,sender,message\n2024-05-01,Li,come home\n2024-05-02,Me,no\n", "text/csv"),
        # A quoted cell with a comma in it: still a table (and so its formulas are neutralised).
        (b'date,sender,message\n2024-05-01,Li,"=HYPERLINK(""x"",""open"")"\n2024-05-02,Me,no\n', "text/csv"),
        (files.zip_of({"a.txt": b"a"}), "application/zip"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
        (b"BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "image/bmp"),
        (b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmif1", "image/avif"),
        (
            b'<?xml version="1.0"?>\n<!-- drawn -->\n<svg xmlns="http://www.w3.org/2000/svg"/>',
            "image/svg+xml",
        ),
        (b"{\\rtf1\\ansi hello}", "application/rtf"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"FORM\x00\x00\x00\x00AIFFCOMM", "audio/aiff"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video/x-msvideo"),
        (bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + bytes(8), "video/x-ms-asf"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01matroska", "video/x-matroska"),
        (
            files.zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            files.zip_of({"_rels/.rels": b"<r/>", "xl/workbook.xml": b"<w/>"}),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            files.zip_of({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            files.zip_of(
                {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<c/>"},
                compression=zipfile.ZIP_STORED,
            ),
            "application/vnd.oasis.opendocument.text",
        ),
    ],
)
def test_accepted_types_are_recognised_from_their_content(content: bytes, expected: str) -> None:
    detected = detect(content, complete=True)
    assert detected is not None
    assert detected.content_type == expected


@pytest.mark.parametrize(
    "content",
    [
        b"",
        files.EXECUTABLE,
        b"MZ\x90\x00\x03\x00\x00\x00",
        b"8BPS\x00\x01\x00\x00",
        b"\xff\x0a\xfa\x7f",
        b"OggS\x00\x02" + bytes(22) + b"\x80theora",
        b"\x00\x01\x02\x03\x04\x05",
        b"plain text with a NUL \x00 inside",
        b"\xca\xfe\xba\xbe\x00\x00\x00\x34",
    ],
)
def test_everything_else_is_refused(content: bytes) -> None:
    assert detect(content, complete=True) is None


def test_a_real_video_and_recording_are_recognised(tmp_path: Path) -> None:
    assert detect(files.mp4_with_tags(tmp_path)[:8192], complete=False).content_type == "video/mp4"  # type: ignore[union-attr]
    assert detect(files.mp3_with_tags(tmp_path)[:8192], complete=False).content_type == "audio/mpeg"  # type: ignore[union-attr]
    assert detect(files.ogg_opus(tmp_path)[:8192], complete=False).content_type == "audio/ogg"  # type: ignore[union-attr]
