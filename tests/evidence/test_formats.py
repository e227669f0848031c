"""The formats reporters send from phones and messaging apps (issue 12): each is accepted, and its copy, read
by exiftool, carries nothing but pixels or sound."""

import io
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image

from longarm.evidence.detection import SNIFF_BYTES, detect
from longarm.evidence.sanitise.media import ffmpeg
from tests.evidence import files
from tests.evidence.test_clean_copies import CORPUS, EXIFTOOL, clean_copy, exiftool_tags, leftovers

pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool (libimage-exiftool-perl) is not installed")


def _streams(path: Path) -> str:
    return subprocess.run(  # noqa: S603 - fixed test command
        [ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, check=False
    ).stderr.decode()


def test_a_jpeg_xl_photo_made_by_libjxl_from_a_phone_jpeg_keeps_no_exif(tmp_path: Path) -> None:
    original = (CORPUS / "phone-photo.jxl").read_bytes()
    assert detect(original[:SNIFF_BYTES], complete=True).content_type == "image/jxl"  # type: ignore[union-attr]
    result, path, copy = clean_copy(original, tmp_path)
    assert result.content_type == "image/jpeg"
    assert leftovers(path) == {}
    assert b"Huawei" not in copy
    assert b"Exif" not in copy
    assert result.metadata["Make"] == "Huawei"
    assert result.metadata["GPSLatitudeDecimal"] == pytest.approx(35.6895, abs=1e-3)


def test_a_lossy_jpeg_xl_with_exif_written_by_the_plugin_is_cleaned(tmp_path: Path) -> None:
    with Image.open(io.BytesIO(files.jpeg_with_exif(make="Xiaomi", model="13T"))) as photo:
        buffer = io.BytesIO()
        photo.convert("RGB").save(buffer, format="JXL", exif=photo.info["exif"], lossless_jpeg=False)
    original = buffer.getvalue()
    assert b"Xiaomi" in original or "Xiaomi" in str(exiftool_tags_of(original, tmp_path))
    result, path, copy = clean_copy(original, tmp_path)
    assert result.content_type == "image/jpeg"
    assert leftovers(path) == {}
    assert b"Xiaomi" not in copy
    assert result.metadata["Model"] == "13T"


def exiftool_tags_of(content: bytes, tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "original.jxl"
    path.write_bytes(content)
    return exiftool_tags(path)


_TAGS = [
    "-metadata", "title=Recorded at the embassy",
    "-metadata", "artist=Officer Li",
    "-metadata", f"creation_time={files.CREATION_TIME}",
    "-metadata", "comment=Samsung SM-G991B",
]  # fmt: skip
_TONE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
_PICTURE = ["-f", "lavfi", "-i", "testsrc=duration=1:size=176x144:rate=10"]

_COVER = ["-c:v", "copy", "-disposition:v", "attached_pic"]
_AMR = ["-c:a", "libopencore_amrnb", "-ar", "8000", "-ac", "1"]
_H264 = ["-c:v:0", "libx264", "-pix_fmt", "yuv420p"]

# name: (content type detected, ffmpeg's output arguments, whether a photo with EXIF is added: as cover art,
# or in QuickTime, which has none, as a second video track). Each is what a messaging app or a phone writes.
MEDIA = {
    "voice.amr": ("audio/amr", [*_AMR, "-f", "amr"], False),
    "voice.m4a": ("audio/mp4", ["-c:a", "aac", *_COVER, "-f", "ipod"], True),
    "voice.ogg": ("audio/ogg", ["-c:a", "libopus", "-f", "ogg"], False),
    "song.flac": ("audio/flac", ["-c:a", "flac", *_COVER, "-f", "flac"], True),
    "memo.aiff": ("audio/aiff", ["-c:a", "pcm_s16be", "-write_id3v2", "1", "-f", "aiff"], False),
    "clip.3gp": ("video/3gpp", ["-c:v", "h263", *_AMR, "-f", "3gp"], False),
    "clip.webm": ("video/webm", ["-c:v", "libvpx", "-c:a", "libopus", "-f", "webm"], False),
    "clip.avi": ("video/x-msvideo", ["-c:v", "mpeg4", "-c:a", "libmp3lame", "-f", "avi"], False),
    "clip.wmv": ("video/x-ms-asf", ["-c:v", "wmv2", "-c:a", "wmav2", "-f", "asf"], False),
    "clip.mov": ("video/quicktime", [*_H264, "-c:a", "aac", "-c:v:1", "mjpeg", "-f", "mov"], True),
}


def _media(name: str, tmp_path: Path) -> bytes:
    _, arguments, cover = MEDIA[name]
    video = name.startswith("clip")
    inputs = [*_TONE, *(_PICTURE if video else [])]
    maps = ["-map", "0:a", *(["-map", "1:v"] if video else [])]
    if cover:
        art = tmp_path / "cover.jpg"
        art.write_bytes(files.jpeg_with_exif(make="Samsung", model="SM-G991B", size=(96, 96)))
        inputs += [*(["-loop", "1", "-t", "1"] if video else []), "-i", str(art)]
        maps += ["-map", f"{2 if video else 1}:v"]
    output = tmp_path / name
    command = [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs, *maps, *_TAGS]
    subprocess.run([*command, *arguments, str(output)], check=True)  # noqa: S603 - test fixture
    return output.read_bytes()


@pytest.mark.parametrize("name", list(MEDIA))
def test_every_messaging_app_format_is_accepted_and_encoded_again_without_tags_or_cover_art(
    name: str, tmp_path: Path
) -> None:
    content_type, _, cover = MEDIA[name]
    original = _media(name, tmp_path)
    detected = detect(original[:SNIFF_BYTES], complete=len(original) <= SNIFF_BYTES)
    assert detected is not None
    assert detected.content_type == content_type
    if cover:
        # QuickTime has no attached pictures: the photo is a second video track there, EXIF and all.
        streams = _streams(tmp_path / name)
        assert "attached pic" in streams or streams.count("Video:") == 2
    result, path, copy = clean_copy(original, tmp_path)
    assert leftovers(path) == {}
    for trace in (b"Officer Li", b"embassy", b"Samsung", b"SM-G991B", b"Exif", b"JFIF"):
        assert trace not in copy, trace
    streams = _streams(path)
    assert "attached pic" not in streams
    assert "Audio: aac" in streams
    if name.startswith("clip"):
        assert result.content_type == "video/mp4"
        assert "Video: h264" in streams
        assert streams.count("Video:") == 1
    else:
        assert result.content_type == "audio/mp4"
        assert "Video:" not in streams


def _silk_voice_note() -> bytes:
    """A WeChat voice note: two seconds of speech-band tone encoded by the SILK reference encoder in
    Tencent's variant (the 0x02 byte before "#!SILK_V3"), exactly the layout WeChat writes."""
    import math
    import struct

    import pysilk  # type: ignore[import-untyped]  # ships no type hints

    pcm = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 330 * i / 24000))) for i in range(48000)
    )
    encoded = io.BytesIO()
    pysilk.encode(io.BytesIO(pcm), encoded, 24000, 24000, tencent=True)
    return encoded.getvalue()


def test_a_wechat_silk_voice_note_is_decoded_in_the_sandbox_and_encoded_as_aac(tmp_path: Path) -> None:
    original = _silk_voice_note()
    assert original.startswith(b"\x02#!SILK_V3")
    assert detect(original[:SNIFF_BYTES], complete=False).content_type == "audio/x-silk"  # type: ignore[union-attr]
    result, path, _ = clean_copy(original, tmp_path)
    assert result.content_type == "audio/mp4"
    assert result.metadata == {"format": "SILK v3", "wechat": True}
    assert leftovers(path) == {}
    streams = _streams(path)
    assert "Audio: aac" in streams
    assert "Duration: 00:00:02" in streams or "Duration: 00:00:01.9" in streams


def test_a_damaged_silk_file_is_named_damaged(tmp_path: Path) -> None:
    from longarm.evidence.exceptions import Unsanitisable
    from longarm.evidence.models import FailureReason

    with pytest.raises(Unsanitisable) as caught:
        clean_copy(b"#!SILK_V3" + b"\xff" * 400, tmp_path)
    assert caught.value.reason == FailureReason.DAMAGED


@pytest.fixture
def quick_documents(settings: Any) -> None:
    # A whole novel at a low resolution and without OCR: this checks what survives, not how it reads.
    settings.LONGARM_EVIDENCE_DOCUMENT_DPI = 50
    settings.LONGARM_EVIDENCE_OCR = False


@pytest.mark.usefixtures("quick_documents")
def test_a_real_epub_book_becomes_a_pdf_of_its_pages_with_nothing_of_the_book_inside(tmp_path: Path) -> None:
    original = (CORPUS / "dirty.epub").read_bytes()
    assert detect(original[:SNIFF_BYTES], complete=False).content_type == "application/epub+zip"  # type: ignore[union-attr]
    result, path, copy = clean_copy(original, tmp_path)
    assert result.content_type == "application/pdf"
    assert leftovers(path) == {}
    for trace in (b"Sayers", b"gutenberg", b"Wimsey", b"@public@vhost"):
        assert trace not in copy, trace
    assert result.metadata["epub"]["creator"] == "Dorothy L. Sayers"
    assert result.metadata["chapters"] == 21
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == result.metadata["pages"] > 100


@pytest.mark.usefixtures("quick_documents")
def test_an_epub_s_photo_keeps_no_exif_and_nothing_outside_the_book_is_read(tmp_path: Path) -> None:
    result, path, copy = clean_copy(files.epub_book(), tmp_path)
    assert result.content_type == "application/pdf"
    assert leftovers(path) == {}
    for trace in (b"Huawei", b"P30", b"Exif", b"Officer Wang", b"root:", b"127.0.0.1"):
        assert trace not in copy, trace
    assert result.metadata["epub"]["creator"] == "Officer Wang"
    assert result.metadata["epub"]["meta:dcterms:modified"] == "2024-05-01T10:15:30Z"


def test_the_book_fetcher_serves_the_book_s_own_files_and_nothing_else() -> None:
    import zipfile

    from longarm.evidence.sanitise import render

    with zipfile.ZipFile(io.BytesIO(files.epub_book())) as archive:
        fetcher = render._epub_fetcher(archive)
        response = fetcher.fetch("http://epub.invalid/OEBPS/style.css")
        assert b"font-family" in response.read()
        for url in (
            "http://127.0.0.1:9/tracker.png",
            "file:///etc/passwd",
            "http://epub.invalid/../../etc/passwd",
            "http://epub.invalid/OEBPS/missing.css",
            "https://epub.invalid.example.org/OEBPS/style.css",
        ):
            with pytest.raises(ValueError, match="book"):
                fetcher.fetch(url)


def test_a_drm_protected_epub_is_named_password_protected(tmp_path: Path) -> None:
    from longarm.evidence.exceptions import Unsanitisable
    from longarm.evidence.models import FailureReason

    with pytest.raises(Unsanitisable) as caught:
        clean_copy(files.epub_book(encrypted=True), tmp_path)
    assert caught.value.reason == FailureReason.ENCRYPTED
