"""The formats reporters send from phones and messaging apps (issue 12): each is accepted, and its copy, read
by exiftool, carries nothing but pixels or sound."""

import io
import subprocess
from pathlib import Path

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
