"""Images: decoded and re-encoded with Pillow, so nothing but pixels survives (EXIF, GPS, XMP, comments,
ICC profiles and anything appended are dropped). The orientation is applied to the pixels first.

JPEG, PNG, WebP, HEIC, AVIF, JPEG XL, BMP and single-page TIFF become a JPEG (or a PNG where they have
transparency); a GIF its first frame; a TIFF of several pages (a scan, a fax) a PDF of those pages with a
text layer, like documents."""

import io
import struct
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import IO, Any

import pillow_heif
import pillow_jxl  # noqa: F401 - registers Pillow's "JXL" format on import
from django.conf import settings
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from longarm.evidence.detection import DetectedType
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.sanitise.documents import Deadline, Page, PdfBuilder
from longarm.evidence.workspace import Workspace

pillow_heif.register_heif_opener()
_LOADING = threading.Lock()

_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/avif": "AVIF",
    "image/tiff": "TIFF",
    "image/gif": "GIF",
    "image/bmp": "BMP",
    "image/jxl": "JXL",
}
PREVIEW_SIZE = (640, 640)
# EXIF orientations that ImageOps.exif_transpose turns; for any other it would only copy the image.
_TRANSPOSED = frozenset(range(2, 9))
_BASE_TAGS = {"Make", "Model", "Software", "DateTime", "Artist", "Copyright", "HostComputer", "Orientation"}
_EXIF_TAGS = {
    "DateTimeOriginal",
    "DateTimeDigitized",
    "OffsetTime",
    "OffsetTimeOriginal",
    "SubsecTimeOriginal",
    "LensMake",
    "LensModel",
    "BodySerialNumber",
    "CameraOwnerName",
    "ImageUniqueID",
    "UserComment",
}
_PARSE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error, KeyError)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return _bytes_as_text(value)
    if isinstance(value, tuple | list):
        return [_plain(part) for part in value]
    if isinstance(value, Fraction) or hasattr(value, "numerator"):
        try:
            return float(value)
        except ZeroDivisionError:
            return None
    if isinstance(value, str | int | float) or value is None:
        return value
    return str(value)


# EXIF UserComment starts with 8 bytes naming its character code.
_CHARACTER_CODES = {
    b"ASCII\x00\x00\x00": "ascii",
    b"UNICODE\x00": "utf-16",
    b"JIS\x00\x00\x00\x00\x00": "shift_jis",
}


def _bytes_as_text(value: bytes) -> str:
    """Bytes from a tag as readable text (XMP packets, comments, UserComment with its code prefix); hex only
    for what is not text in any of these encodings."""
    encoding = "utf-8"
    if value[:8] in _CHARACTER_CODES:
        encoding, value = _CHARACTER_CODES[value[:8]], value[8:]
    elif value.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    try:
        text = value.decode(encoding).strip("\x00")
    except (UnicodeDecodeError, LookupError):
        return value.hex()
    if all(char in "\t\r\n" or unicodedata.category(char) not in {"Cc", "Cs", "Co", "Cn"} for char in text):
        return text
    return value.hex()


def _degrees(dms: Any, ref: Any) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper() in {"S", "W"} else value


def image_metadata(image: Image.Image) -> dict[str, Any]:
    exif = image.getexif()
    named = {ExifTags.TAGS.get(tag, str(tag)): value for tag, value in exif.items()}
    metadata: dict[str, Any] = {
        "width": image.width,
        "height": image.height,
        "format": image.format,
        **{name: _plain(value) for name, value in named.items() if name in _BASE_TAGS},
    }
    details = exif.get_ifd(ExifTags.IFD.Exif)
    for tag, value in details.items():
        name = ExifTags.TAGS.get(tag, str(tag))
        if name in _EXIF_TAGS:
            metadata[name] = _plain(value)
    gps = {
        ExifTags.GPSTAGS.get(tag, str(tag)): value
        for tag, value in exif.get_ifd(ExifTags.IFD.GPSInfo).items()
    }
    if gps:
        metadata["GPS"] = {name: _plain(value) for name, value in gps.items()}
        latitude = _degrees(gps.get("GPSLatitude"), gps.get("GPSLatitudeRef"))
        longitude = _degrees(gps.get("GPSLongitude"), gps.get("GPSLongitudeRef"))
        if latitude is not None and longitude is not None:
            metadata["GPSLatitudeDecimal"] = round(latitude, 7)
            metadata["GPSLongitudeDecimal"] = round(longitude, 7)
    for key in ("comment", "xmp", "Description", "Author"):
        if key in image.info:
            metadata[key] = _plain(image.info[key])[:65536]
    return metadata


def _clean_copy(image: Image.Image) -> Image.Image:
    """The pixels upright, in a new image of our own. One copy of a 12-megapixel photo is some 36 MB: the
    upright (or converted) image is made once, never copied again only to have a fresh object."""
    upright = image
    if image.getexif().get(ExifTags.Base.Orientation, 1) in _TRANSPOSED:
        upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
    mode = "RGBA" if has_alpha else "RGB"
    # The transposed image is already ours; the original's must not be touched (its file is still open).
    clean = upright if upright is not image and upright.mode == mode else upright.convert(mode)
    # A fresh info dict: Pillow's encoders would otherwise carry comments, ICC profiles and DPI over.
    clean.info = {}
    return clean


def encode_clean(image: Image.Image, target: IO[bytes]) -> str:
    if image.mode == "RGBA":
        image.save(target, format="PNG", optimize=False)
        return "image/png"
    image.save(target, format="JPEG", quality=90)
    return "image/jpeg"


@contextmanager
def _strict_loading() -> Iterator[None]:
    # Other libraries (WeasyPrint) switch Pillow to accepting truncated images for the whole process; a
    # truncated original must fail here instead of yielding a half-grey "sanitised" copy.
    with _LOADING:
        previous, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


@contextmanager
def _closed_on_failure(builders: list[PdfBuilder]) -> Iterator[None]:
    # A page that fails ends the OCR runs of those before it; on success ``save`` ends them.
    try:
        yield
    except BaseException:
        for builder in builders:
            builder.close()
        raise


def sanitise_image(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    max_pixels = settings.LONGARM_EVIDENCE_MAX_PIXELS
    # Pillow's own guard, at our limit: it refuses before decoding when a header claims more.
    Image.MAX_IMAGE_PIXELS = max_pixels
    frames: list[Image.Image] = []
    builder: PdfBuilder | None = None
    builders: list[PdfBuilder] = []
    with warnings.catch_warnings(), _strict_loading(), _closed_on_failure(builders):
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            source.file.seek(0)
            with Image.open(source.file, formats=[_FORMATS[detected.content_type]]) as image:
                metadata = image_metadata(image)
                # A GIF is its first frame; a TIFF every page.
                count = getattr(image, "n_frames", 1) if detected.content_type == "image/tiff" else 1
                if count > settings.LONGARM_EVIDENCE_MAX_PAGES:
                    raise Unsanitisable(FailureReason.TOO_MANY_PAGES)
                if count > 1:
                    metadata["pages"] = count
                    builder = PdfBuilder(
                        dpi=int(settings.LONGARM_EVIDENCE_DOCUMENT_DPI),
                        deadline=Deadline(float(settings.LONGARM_EVIDENCE_MEDIA_SECONDS)),
                    )
                    builders.append(builder)
                for index in range(count):
                    image.seek(index)
                    if image.width * image.height > max_pixels:
                        raise Unsanitisable(FailureReason.PIXEL_BOMB)
                    image.load()
                    frame = _clean_copy(image)
                    if not frames:
                        frames.append(frame)
                    if builder is not None:
                        # Page by page, so that only one is held in memory.
                        builder.add(Page(frame))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Unsanitisable(FailureReason.PIXEL_BOMB) from None
        except _PARSE_ERRORS:
            raise Unsanitisable(FailureReason.DAMAGED) from None
    if builder is not None:
        builder.save(out)
        metadata["copy"] = builder.summary()
        return Sanitised(content_type="application/pdf", metadata=metadata, preview=thumbnail(frames[0]))
    out.file.seek(0)
    out.file.truncate(0)
    content_type = encode_clean(frames[0], out.file)
    out.file.flush()
    return Sanitised(content_type=content_type, metadata=metadata, preview=thumbnail(frames[0]))


def _fitted(size: tuple[int, int]) -> tuple[int, int] | None:
    """The size within ``PREVIEW_SIZE`` with the same proportions, or None if ``size`` already fits."""
    width, height = size
    if width <= PREVIEW_SIZE[0] and height <= PREVIEW_SIZE[1]:
        return None
    scale = min(PREVIEW_SIZE[0] / width, PREVIEW_SIZE[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnail(image: Image.Image) -> bytes:
    # Resized straight from the image, as Image.thumbnail would, without first copying it whole.
    fitted = _fitted(image.size)
    if fitted is None:
        small = image.copy()
    else:
        small = image.resize(fitted, Image.Resampling.BICUBIC, reducing_gap=2.0)
    small.info = {}
    buffer = io.BytesIO()
    if small.mode == "RGBA":
        small = small.convert("RGB")
    small.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def preview_from_frame(frame: bytes) -> bytes | None:
    """Re-encode a video frame ffmpeg extracted, so the preview too is pixels only."""
    try:
        with Image.open(io.BytesIO(frame), formats=["JPEG", "PNG"]) as image:
            if image.width * image.height > settings.LONGARM_EVIDENCE_MAX_PIXELS:
                return None
            image.load()
            return thumbnail(_clean_copy(image))
    except _PARSE_ERRORS:
        return None
