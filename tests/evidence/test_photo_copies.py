"""A photo's copy is made with one copy of its pixels, not three (issue 12: some 36 MB each for a phone's
12-megapixel photo), and is still turned upright by its EXIF orientation."""

import io
from typing import Any

import pytest
from PIL import Image

from longarm.evidence.detection import BY_CONTENT_TYPE
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.sanitise.images import sanitise_image
from longarm.evidence.workspace import Workspace


def photo(*, orientation: int | None, size: tuple[int, int] = (1600, 900)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 4))
    exif = Image.Exif()
    exif[0x010F] = "Huawei"
    if orientation is not None:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92, exif=exif, comment=b"police station")
    return buffer.getvalue()


def sanitised(content: bytes) -> tuple[Sanitised, bytes]:
    with Workspace() as source, Workspace() as out:
        source.fill([content])
        result = sanitise_image(source, BY_CONTENT_TYPE["image/jpeg"], out)
        return result, out.read_all()


@pytest.mark.parametrize("orientation", [None, 1])
def test_an_upright_photo_is_copied_once(orientation: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    copies: list[tuple[int, int]] = []
    real = Image.Image.copy

    def counting(self: Image.Image, *args: Any, **kwargs: Any) -> Image.Image:
        copies.append(self.size)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "copy", counting)
    result, copy = sanitised(photo(orientation=orientation))
    assert copies.count((1600, 900)) <= 1
    with Image.open(io.BytesIO(copy)) as image:
        assert image.size == (1600, 900)
        assert not image.getexif()
        assert "comment" not in image.info
    with Image.open(io.BytesIO(result.preview or b"")) as preview:
        assert preview.size == (640, 360)


def test_a_photo_taken_sideways_is_turned_upright() -> None:
    result, copy = sanitised(photo(orientation=6))
    with Image.open(io.BytesIO(copy)) as image:
        assert image.size == (900, 1600)
        assert not image.getexif()
        # Orientation 6: the top left (blue) of the stored pixels is now at the top right.
        assert image.getpixel((880, 20))[2] > 150  # type: ignore[index]
    assert result.metadata["Orientation"] == 6
    with Image.open(io.BytesIO(result.preview or b"")) as preview:
        assert preview.size == (360, 640)
