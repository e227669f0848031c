"""Sanitised copies carry nothing (issue 12), checked with an independent tool: exiftool reads every copy made
from dirty files written by others (mat2's test corpus, ``corpus/``) and from files built like the ones
reporters send (a PDF with an embedded phone photo and pdfTeX leftovers, an SVG with a photo inside, audio
and video with cover art). No GPS, serial, make or model, author, creator, XMP, comment or timestamp may be
left but what our own writers set (ffmpeg's zero dates and handler names)."""

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from longarm.evidence.detection import SNIFF_BYTES, DetectedType, detect
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.processing import sanitise
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.sanitise.documents import tesseract
from longarm.evidence.sanitise.media import ffmpeg
from longarm.evidence.workspace import Workspace
from tests.evidence import files

CORPUS = Path(__file__).parent / "corpus"
EXIFTOOL = shutil.which("exiftool")
OFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool (libimage-exiftool-perl) is not installed")

# Tag names that say who, where, when or with what; any group but exiftool's own view of the file.
_FORBIDDEN = re.compile(
    r"GPS|Serial|Make|Model|Author|Creator|Artist|Comment|Software|Producer|Date|Time|Title|Copyright|Owner|"
    r"Lens|Camera|Description|Keyword|Subject|Location|DocumentID|InstanceID|PTEX|History|Company|Revision|"
    r"Picture|Thumbnail|Host|Application|Encoder|Album|Genre|Track\d*:Comment|Docname|Export|Inkscape|Words",
    re.IGNORECASE,
)
_OWN_GROUPS = {"ExifTool", "System", "File", "Composite"}
# What our writers set themselves: ffmpeg's MP4 muxer in bit-exact mode.
_ZERO_DATE = "0000:00:00 00:00:00"
_WRITER_VALUES = {
    "HandlerDescription": {"VideoHandler", "SoundHandler"},
    "CompressorName": {"Lavc libx264", ""},
}
_MEDIA_TIME_TAGS = re.compile(r"Duration|TimeScale|PreviewTime|PosterTime|SelectionTime|CurrentTime|Timecode")


def exiftool_tags(path: Path) -> dict[str, Any]:
    assert EXIFTOOL is not None
    result = subprocess.run(  # noqa: S603 - fixed test command
        [EXIFTOOL, "-j", "-a", "-G1", "-s", "-ee", str(path)], capture_output=True, check=True
    )
    return dict(json.loads(result.stdout)[0])


def leftovers(path: Path) -> dict[str, Any]:
    """The tags exiftool finds in ``path`` that reveal anything our writers did not put there."""
    found = {}
    for key, value in exiftool_tags(path).items():
        group, _, name = key.rpartition(":")
        if group in _OWN_GROUPS or key == "SourceFile":
            continue
        if group.startswith("XMP"):
            found[key] = value
            continue
        if not _FORBIDDEN.search(name) or _MEDIA_TIME_TAGS.search(name):
            continue
        if str(value) == _ZERO_DATE or str(value) in _WRITER_VALUES.get(name, set()):
            continue
        found[key] = value
    return found


def clean_copy(content: bytes, tmp_path: Path) -> tuple[Sanitised, Path, bytes]:
    detected = detect(content[:SNIFF_BYTES], complete=len(content) <= SNIFF_BYTES)
    assert detected is not None
    return _sanitised(content, detected, tmp_path)


def _sanitised(content: bytes, detected: DetectedType, tmp_path: Path) -> tuple[Sanitised, Path, bytes]:
    with Workspace() as source, Workspace() as out:
        source.fill([content])
        result = sanitise(source, detected, out)
        copy = out.read_all()
    suffix = result.content_type.split(";")[0].split("/")[1]
    path = tmp_path / f"copy.{suffix}"
    path.write_bytes(copy)
    return result, path, copy


CORPUS_FILES = {
    "dirty-pages-4-6.pdf": ("application/pdf", [b"pdfTeX", b"PTEX", b"figures/", b"PDFeXpress", b"uuid:"]),
    "comment.docx": ("application/pdf", [b"Alex Marchant", b"Microsoft"]),
    "revision.docx": ("application/pdf", [b"jvoisin"]),
    "dirty.odt": ("application/pdf", [b"jvoisin", b"LibreOffice"]),
    "dirty.odg": ("application/pdf", [b"Julien Voisin", b"LibreOffice"]),
    "dirty.svg": ("image/png", [b"Adwaita", b"GNOME", b"inkscape", b"mat2"]),
    "dirty.flac": ("audio/mp4", [b"jvoisin", b"harmfull", b"JFIF", b"Exif"]),
    "dirty.mp3": ("audio/mp4", [b"jvoisin", b"harmfull", b"MAT"]),
    "dirty.ogg": ("audio/mp4", [b"jvoisin", b"harmfull", b"MAT"]),
    "dirty.gif": ("image/jpeg", [b"test comment"]),
    "dirty.bmp": ("image/jpeg", []),
    "dirty.jxl": ("image/jpeg", [b"jvoisin", b"be careful", b"Exif"]),
    "dirty.aiff": ("audio/mp4", [b"I am so", b"Thank you for using MAT"]),
}


@pytest.mark.parametrize("name", list(CORPUS_FILES))
def test_copies_of_the_corpus_carry_nothing(name: str, tmp_path: Path) -> None:
    if name.endswith((".docx", ".odt", ".odg")) and OFFICE is None:
        pytest.skip("LibreOffice is not installed")
    content_type, traces = CORPUS_FILES[name]
    result, path, copy = clean_copy((CORPUS / name).read_bytes(), tmp_path)
    assert result.content_type.split(";")[0] == content_type
    assert leftovers(path) == {}
    for trace in traces:
        assert trace not in copy, trace
    assert result.metadata, "the capture metadata is kept for investigators"


def test_a_pdf_copy_keeps_no_embedded_photo_exif_no_ptex_leftovers_and_no_document_id(tmp_path: Path) -> None:
    original = files.pdf_with_photo_and_text()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        original_id = bytes(pdf.trailer.ID[0])
    result, path, copy = clean_copy(original, tmp_path)
    assert result.content_type == "application/pdf"
    assert leftovers(path) == {}
    for trace in (
        b"NIKON",
        b"D60",
        b"Exif",
        b"2024:05:01",
        b"officerwang",
        b"PTEX",
        b"Officer Wang",
        b"cairo",
    ):
        assert trace not in copy, trace
    with pikepdf.open(path) as pdf:
        assert not dict(pdf.docinfo)
        assert set(pdf.Root.keys()) <= {"/Type", "/Pages"}
        assert original_id[:8] not in bytes(pdf.trailer.ID[0])
        for page in pdf.pages:
            for image in page.get_images().values():
                # Only our own JPEG of the page's pixels: no EXIF (APP1) segment in it.
                data = image.read_raw_bytes()
                assert b"Exif" not in data
    assert result.metadata["info"]["Author"] == "Officer Wang"


@pytest.mark.skipif(tesseract() is None, reason="Tesseract is not installed")
def test_a_pdf_copy_is_searchable_through_its_ocr_text_layer(tmp_path: Path) -> None:
    result, path, _ = clean_copy(files.pdf_with_photo_and_text(text="Consulate summons letter"), tmp_path)
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None, "poppler-utils is installed by .ci/run"
    text = subprocess.run(  # noqa: S603 - poppler's pdftotext, a fixed test command
        [pdftotext, str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "Consulate" in text
    assert result.metadata["copy"]["text_layer"] == "ocr"
    assert "eng" in result.metadata["copy"]["ocr_languages"]


def test_an_svg_is_rasterised_never_passed_through_and_never_fetches(tmp_path: Path) -> None:
    result, path, copy = clean_copy(files.svg_with_photo(), tmp_path)
    assert result.content_type == "image/png"
    assert copy.startswith(b"\x89PNG")
    assert leftovers(path) == {}
    for trace in (b"officerwang", b"inkscape", b"iPhone", b"Exif", b"<svg"):
        assert trace not in copy
    assert result.metadata["title"] == "Plan of the station"
    assert result.metadata["attribute:docname"] == "/home/officerwang/Desktop/plan.svg"


@pytest.mark.parametrize("maker", [files.mp3_with_cover_art, files.mp4_with_cover_art])
def test_cover_art_is_dropped_and_media_are_encoded_again(
    maker: Callable[[Path], bytes], tmp_path: Path
) -> None:
    result, path, copy = clean_copy(maker(tmp_path), tmp_path)
    assert leftovers(path) == {}
    for trace in (b"Samsung", b"SM-G991B", b"Exif", b"JFIF"):
        assert trace not in copy
    streams = subprocess.run(  # noqa: S603 - fixed test command
        [ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, check=False
    ).stderr.decode()
    assert "attached pic" not in streams
    assert "mjpeg" not in streams
    assert "Audio: aac" in streams
    if result.content_type == "video/mp4":
        assert "Video: h264" in streams
        assert streams.count("Video:") == 1
    else:
        assert "Video:" not in streams


def test_a_voice_note_is_re_encoded_not_remuxed(tmp_path: Path) -> None:
    original = files.ogg_opus(tmp_path)
    result, path, _ = clean_copy(original, tmp_path)
    assert result.content_type == "audio/mp4"
    streams = subprocess.run(  # noqa: S603 - fixed test command
        [ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, check=False
    ).stderr.decode()
    assert "Audio: aac" in streams
    assert "opus" not in streams


def test_an_encrypted_pdf_is_named_password_protected(tmp_path: Path) -> None:
    with pytest.raises(Unsanitisable) as caught:
        clean_copy(files.encrypted_pdf(), tmp_path)
    assert caught.value.reason == FailureReason.ENCRYPTED


def test_a_multi_page_tiff_becomes_a_pdf_of_its_pages(tmp_path: Path) -> None:
    from PIL import Image

    pages = [Image.new("RGB", (200, 100), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    exif = Image.Exif()
    exif[0x010F] = "Fujitsu"
    exif[0x0110] = "fi-7160"
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:], exif=exif)
    result, path, copy = clean_copy(buffer.getvalue(), tmp_path)
    assert result.content_type == "application/pdf"
    assert b"Fujitsu" not in copy
    assert leftovers(path) == {}
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 3
    assert result.metadata["Make"] == "Fujitsu"


def test_a_zip_with_too_many_entries_says_so_not_zip_bomb(tmp_path: Path, settings: Any) -> None:
    settings.LONGARM_EVIDENCE_ZIP_MAX_ENTRIES = 5
    archive = files.zip_of({f"chat/{number}.txt": b"hello" for number in range(6)})
    with pytest.raises(Unsanitisable) as caught:
        clean_copy(archive, tmp_path)
    assert caught.value.reason == FailureReason.TOO_MANY_ENTRIES


def test_a_zip_listing_has_names_and_sizes_but_no_entry_times(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("chat/messages.txt", date_time=(2024, 5, 1, 10, 15, 30)), b"hi")
    result, _, copy = clean_copy(buffer.getvalue(), tmp_path)
    listing = copy.decode()
    assert "chat/messages.txt" in listing
    assert "2024" not in listing
    assert "10:15" not in listing
    assert result.metadata["entries"][0]["modified"] == "2024-05-01T10:15:30"


def test_xmp_and_comments_in_capture_metadata_are_text_not_hex(tmp_path: Path) -> None:
    from PIL import Image

    xmp = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Officer Wang</dc:creator></x:xmpmeta>\n'
        '<?xpacket end="w"?>'
    )
    image = Image.new("RGB", (32, 32))
    out = io.BytesIO()
    image.save(out, format="JPEG", xmp=xmp.encode(), comment=b"line one\nline two")
    result, _, copy = clean_copy(out.getvalue(), tmp_path)
    assert "Officer Wang" in result.metadata["xmp"]
    assert result.metadata["comment"] == "line one\nline two"
    assert b"Officer Wang" not in copy


def test_a_csv_copy_stays_csv_with_formulas_neutralised(tmp_path: Path) -> None:
    original = (
        b"date,sender,message,amount\n"
        b'2024-05-01,Li,"=HYPERLINK(""http://127.0.0.1/x"")",-5\n'
        b"2024-05-02,@officer,+86 138 0013 8000,+3.5\n"
        b"2024-05-03,Me,\"-2+3 then =cmd|' /C calc'!A0\",12\n"
    )
    result, _, copy = clean_copy(original, tmp_path)
    assert result.content_type == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(copy.decode())))
    assert rows[0] == ["date", "sender", "message", "amount"]
    assert rows[1][2].startswith("'=HYPERLINK")
    assert rows[1][3] == "-5"
    assert rows[2][1] == "'@officer"
    assert rows[2][2] == "'+86 138 0013 8000"
    assert rows[2][3] == "+3.5"
    assert rows[3][2].startswith("'-2+3")
    assert result.metadata["formula_cells_neutralised"] == 4


def test_a_whatsapp_export_offers_the_phone_numbers_and_ids_in_it(tmp_path: Path) -> None:
    export = (
        "[01/05/2024, 10:15:30] +86 138 0013 8000: 你在哪里？\n"
        "[01/05/2024, 10:16:02] Me: Tokyo\n"
        "[01/05/2024, 10:17:45] +86 138 0013 8000: Call +90 532 123 45 67 tomorrow\n"
        "WeChat ID: officer_li_2024\n"
        "forwarded from wxid_abc123def456\n"
    ).encode()
    result, _, copy = clean_copy(export, tmp_path)
    assert result.content_type == "text/plain; charset=utf-8"
    assert "你在哪里" in copy.decode()
    offered = {(entry["kind"], entry["value"]) for entry in result.offers}
    assert ("phone", "+8613800138000") in offered
    assert ("phone", "+905321234567") in offered
    assert ("wechat", "wxid_abc123def456") in offered
    assert ("wechat", "officer_li_2024") in offered
