"""Processing (issue 3): the derivative carries none of the metadata a file came with, and the extracted,
encrypted metadata holds all of it, for investigators only."""

import io
import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from longarm.crypto.envelopes import unseal
from longarm.crypto.keyring import load_recovery_private_key
from longarm.evidence.models import EvidenceItem, EvidenceStatus, KeyHolder
from longarm.evidence.sanitise.media import ffmpeg
from longarm.evidence.selectors import item_metadata
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import fetch, readers_receive_reports, record_of, staff_client, submit_with_files

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]


def processed(processing: Processing, name: str, content: bytes) -> EvidenceItem:
    with processing():
        submit_with_files(Client(), {name: content})
    item = EvidenceItem.objects.get()
    assert item.status == EvidenceStatus.READY, item.failure_reason
    return item


def metadata_of(item: EvidenceItem) -> dict[str, Any]:
    recovery = load_recovery_private_key(settings.RECOVERY_KEY_PATH)
    original = item.blobs.get(variant="original")
    key = unseal(recovery, bytes(original.keys.get(holder=KeyHolder.RECOVERY).sealed))
    return item_metadata(item=item, original_key=key)


def media_tags(path: Path) -> str:
    result = subprocess.run(  # noqa: S603 - fixed test command
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def test_a_photo_loses_exif_gps_and_comments_and_its_metadata_is_kept_encrypted(
    cast: Cast, processing: Processing
) -> None:
    item = processed(processing, "station.jpg", files.jpeg_with_exif())
    derivative = fetch(staff_client(cast.caseworker), item, "derivative")
    with Image.open(io.BytesIO(derivative)) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 240)
        assert not image.getexif()
        assert "comment" not in image.info
        assert "exif" not in image.info
    for trace in (b"Huawei", b"P30 Pro", b"EMUI", b"2024:05:01", b"police station"):
        assert trace not in derivative
    metadata = metadata_of(item)
    assert metadata["Make"] == "Huawei"
    assert metadata["Model"] == "P30 Pro"
    assert metadata["DateTimeOriginal"] == files.CAPTURED_AT
    assert metadata["GPSLatitudeDecimal"] == pytest.approx(35.6895, abs=1e-4)
    assert metadata["GPSLongitudeDecimal"] == pytest.approx(139.6917, abs=1e-4)
    assert metadata["GPS"]["GPSLatitudeRef"] == "N"
    assert "police station" in metadata["comment"]
    preview = fetch(staff_client(cast.caseworker), item, "preview")
    with Image.open(io.BytesIO(preview)) as image:
        assert not image.getexif()
        assert max(image.size) <= 640


def test_a_video_loses_creation_time_location_and_stream_tags(
    cast: Cast, processing: Processing, tmp_path: Path
) -> None:
    item = processed(processing, "embassy.mp4", files.mp4_with_tags(tmp_path))
    derivative = fetch(staff_client(cast.caseworker), item, "derivative")
    for trace in (b"CameraSecretHandler", b"+35.6895", b"embassy", b"2024-05-01"):
        assert trace not in derivative
    (tmp_path / "derivative.mp4").write_bytes(derivative)
    tags = media_tags(tmp_path / "derivative.mp4")
    assert "creation_time" not in tags
    assert "location" not in tags
    assert "comment" not in tags
    metadata = metadata_of(item)
    assert metadata["video_tags"]["creation_time"].startswith("2024-05-01T10:15:30")
    assert metadata["video_tags"]["handler_name"] == "CameraSecretHandler"
    assert metadata["tags"]["location"] == files.LOCATION
    assert metadata["tags"]["comment"] == "filmed outside the embassy"
    poster = fetch(staff_client(cast.caseworker), item, "preview")
    with Image.open(io.BytesIO(poster)) as image:
        assert image.format == "JPEG"


@pytest.mark.parametrize("maker", ["mp3", "ogg"])
def test_audio_loses_its_tags(cast: Cast, processing: Processing, tmp_path: Path, maker: str) -> None:
    content = files.mp3_with_tags(tmp_path) if maker == "mp3" else files.ogg_opus(tmp_path)
    item = processed(processing, f"call.{maker}", content)
    derivative = fetch(staff_client(cast.caseworker), item, "derivative")
    assert b"Officer Li" not in derivative
    assert b"Voice message" not in derivative
    metadata = metadata_of(item)
    if maker == "mp3":
        assert metadata["tags"]["artist"] == "Recorder of Officer Li"
    else:
        assert metadata["audio_tags"]["title"] == "Voice message"


def test_a_pdf_loses_author_xmp_javascript_and_attachments(cast: Cast, processing: Processing) -> None:
    item = processed(processing, "letter.pdf", files.pdf_with_author())
    derivative = fetch(staff_client(cast.caseworker), item, "derivative")
    assert b"Officer Wang" not in derivative
    assert b"Embassy Letter Writer" not in derivative
    assert b"hidden attachment" not in derivative
    with pikepdf.open(io.BytesIO(derivative)) as pdf:
        assert len(pdf.pages) == 1
        assert not dict(pdf.docinfo)
        assert "/Metadata" not in pdf.Root
        assert "/OpenAction" not in pdf.Root
        assert not pdf.attachments
    metadata = metadata_of(item)
    assert metadata["info"]["Author"] == "Officer Wang"
    assert metadata["info"]["Producer"] == "Embassy Letter Writer 3.1"
    assert "Officer Wang" in str(metadata["xmp"])
    assert metadata["has_javascript"] is False  # an OpenAction, not a named script
    assert metadata["has_open_action"] is True
    assert metadata["has_embedded_files"] is True


def test_an_html_chat_export_becomes_plain_text_without_scripts(cast: Cast, processing: Processing) -> None:
    html = (
        b"<!DOCTYPE html><html><head><title>WeChat export</title>"
        b"<meta name='generator' content='WeChatExporter'>"
        b"<script>steal()</script></head><body><div>Officer Li: come home</div><p>Me: no</p></body></html>"
    )
    item = processed(processing, "chat.html", html)
    assert record_of(item).content_type == "text/html"
    text = fetch(staff_client(cast.caseworker), item, "derivative").decode()
    assert "Officer Li: come home" in text
    assert "steal()" not in text
    assert "<div>" not in text
    assert metadata_of(item)["html"] == {"title": "WeChat export", "generator": "WeChatExporter"}


def test_a_zip_of_exports_is_listed(cast: Cast, processing: Processing) -> None:
    archive = files.zip_of({"chat/messages.txt": b"hello\n" * 100, "chat/photo.jpg": files.jpeg_with_exif()})
    item = processed(processing, "export.zip", archive)
    listing = fetch(staff_client(cast.caseworker), item, "derivative").decode()
    assert "chat/messages.txt" in listing
    assert "chat/photo.jpg" in listing
    assert [entry["name"] for entry in metadata_of(item)["entries"]] == [
        "chat/messages.txt",
        "chat/photo.jpg",
    ]


def test_only_investigators_see_the_extracted_metadata(cast: Cast, processing: Processing) -> None:
    readers_receive_reports(cast)
    processed(processing, "station.jpg", files.jpeg_with_exif())
    url = reverse("cases:report", args=[Report.objects.get().public_id])
    investigator_page = staff_client(cast.investigator).get(url).content.decode()
    caseworker_page = staff_client(cast.caseworker).get(url).content.decode()
    assert "P30 Pro" in investigator_page
    assert "Capture metadata" in investigator_page
    assert "P30 Pro" not in caseworker_page
    assert "Download the original" not in caseworker_page
    assert "Download the original" in investigator_page
