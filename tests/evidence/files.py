"""Real evidence files made in the tests: photos with EXIF GPS, videos and audio with creation time and
location tags, PDFs with author metadata, and the bad files of every kind."""

import io
import struct
import subprocess
import zipfile
import zlib
from fractions import Fraction
from pathlib import Path

import pikepdf
from PIL import Image

from longarm.evidence.sanitise.media import ffmpeg

CAPTURED_AT = "2024:05:01 10:15:30"
LATITUDE = (Fraction(35), Fraction(41), Fraction(2232, 100))
LONGITUDE = (Fraction(139), Fraction(41), Fraction(3012, 100))
CREATION_TIME = "2024-05-01T10:15:30.000000Z"
LOCATION = "+35.6895+139.6917/"


def jpeg_with_exif(
    *, make: str = "Huawei", model: str = "P30 Pro", size: tuple[int, int] = (320, 240)
) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0131] = "EMUI 12"
    exif[0x0112] = 1
    exif.get_ifd(0x8769)[0x9003] = CAPTURED_AT
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", LATITUDE, "E", LONGITUDE
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"shot at the police station")
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 48), (0, 120, 200, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_with_author(*, author: str = "Officer Wang") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:creator"] = [author]
    pdf.docinfo["/Author"] = author
    pdf.docinfo["/Producer"] = "Embassy Letter Writer 3.1"
    pdf.docinfo["/Creator"] = "Consulate of the PRC"
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
        )
    )
    attachment = pikepdf.AttachedFileSpec(pdf, b"hidden attachment", filename="secret.txt")
    pdf.attachments["secret.txt"] = attachment
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def _ffmpeg(arguments: list[str], output: Path) -> bytes:
    subprocess.run(  # noqa: S603 - test fixture with fixed arguments
        [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *arguments, str(output)],
        check=True,
    )
    return output.read_bytes()


def mp4_with_tags(directory: Path) -> bytes:
    return _ffmpeg(
        [
            "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
            "-metadata", f"creation_time={CREATION_TIME}",
            "-metadata", f"location={LOCATION}",
            "-metadata", "comment=filmed outside the embassy",
            "-metadata:s:v", "handler_name=CameraSecretHandler",
            "-movflags", "+use_metadata_tags",
        ],
        directory / "video.mp4",
    )  # fmt: skip


def mp3_with_tags(directory: Path) -> bytes:
    return _ffmpeg(
        [
            "-f", "lavfi", "-i", "sine=frequency=300:duration=1",
            "-c:a", "libmp3lame", "-metadata", "artist=Recorder of Officer Li",
            "-metadata", f"creation_time={CREATION_TIME}",
        ],
        directory / "call.mp3",
    )  # fmt: skip


def ogg_opus(directory: Path) -> bytes:
    return _ffmpeg(
        ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libopus", "-metadata", "title=Voice message"],
        directory / "voice.ogg",
    )


def zip_of(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """Small on the wire, 64 MiB of zeros inside: far past the allowed compression ratio."""
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    with archive, archive.open("chat.txt", "w") as entry:
        block = bytes(1024 * 1024)
        for _ in range(64):
            entry.write(block)
    return buffer.getvalue()


def pixel_bomb() -> bytes:
    """A valid PNG header claiming 100,000 by 100,000 pixels, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def corrupt_jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


def polyglot_jpeg_zip() -> bytes:
    """A real JPEG with a ZIP appended: image viewers show the photo, unzip shows the files."""
    return jpeg_with_exif() + zip_of({"payload.html": b"<script>alert(1)</script>"})


EXECUTABLE = b"\x7fELF\x02\x01\x01" + bytes(200)


def pdf_with_photo_and_text(*, text: str = "Consulate summons letter") -> bytes:
    """A PDF as phones and LaTeX make them: a page of text with an embedded photo that keeps its EXIF (make,
    model, capture time, GPS), a figure with pdfTeX's /PTEX.FileName and /PTEX.InfoDict, and a document ID."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    photo = jpeg_with_exif(make="NIKON", model="D60", size=(320, 240))
    image = pikepdf.Stream(
        pdf,
        photo,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=320,
        Height=240,
        ColorSpace=pikepdf.Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    figure = pikepdf.Stream(
        pdf,
        b"0 0 1 rg 0 0 50 50 re f",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=[0, 0, 50, 50],
    )
    figure["/PTEX.FileName"] = pikepdf.String("/home/officerwang/secret/figures/map.pdf")
    figure["/PTEX.InfoDict"] = pdf.make_indirect(
        pikepdf.Dictionary(Producer=pikepdf.String("cairo 1.16 Officer Wang"))
    )
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(Im0=image, Fx0=figure), Font=pikepdf.Dictionary(F1=font)
    )
    drawing = f"BT /F1 28 Tf 60 760 Td ({text}) Tj ET q 320 0 0 240 60 400 cm /Im0 Do Q"
    page.Contents = pdf.make_stream(f"{drawing} q 1 0 0 1 60 300 cm /Fx0 Do Q".encode())
    pdf.docinfo["/Author"] = "Officer Wang"
    buffer = io.BytesIO()
    pdf.save(buffer, static_id=True)
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    return buffer.getvalue()


def svg_with_photo() -> bytes:
    """An SVG as Inkscape saves it, with a photo inside (base64, with its GPS) and references outside the
    file that a renderer must never follow."""
    import base64

    photo = base64.b64encode(jpeg_with_exif(make="Apple", model="iPhone 12", size=(64, 48))).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
     width="200" height="120" inkscape:version="1.2 (dc2aedaf03, 2022-05-15)"
     sodipodi:docname="/home/officerwang/Desktop/plan.svg"
     inkscape:export-filename="/home/officerwang/plan.png">
  <title>Plan of the station</title>
  <rect width="200" height="120" fill="#c00"/>
  <image x="10" y="10" width="64" height="48" xlink:href="data:image/jpeg;base64,{photo}"/>
  <image x="100" y="10" width="64" height="48" xlink:href="file:///etc/passwd"/>
  <image x="100" y="60" width="64" height="48" xlink:href="http://127.0.0.1:9/tracker.png"/>
</svg>
""".encode()


def _cover_art(directory: Path) -> Path:
    cover = directory / "cover.jpg"
    cover.write_bytes(jpeg_with_exif(make="Samsung", model="SM-G991B", size=(96, 96)))
    return cover


def mp3_with_cover_art(directory: Path) -> bytes:
    """A voice note with cover art: the picture carries the phone's make, model and GPS position."""
    return _ffmpeg(
        [
            "-f", "lavfi", "-i", "sine=frequency=300:duration=1", "-i", str(_cover_art(directory)),
            "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "copy",
            "-disposition:v", "attached_pic", "-id3v2_version", "3",
        ],
        directory / "cover.mp3",
    )  # fmt: skip


def mp4_with_cover_art(directory: Path) -> bytes:
    """A video with an attached picture (cover art with GPS) besides its real video stream."""
    return _ffmpeg(
        [
            "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-i", str(_cover_art(directory)),
            "-map", "0:v", "-map", "1:a", "-map", "2:v",
            "-c:v:0", "libx264", "-pix_fmt", "yuv420p", "-c:v:1", "copy", "-c:a", "aac",
            "-disposition:v:1", "attached_pic",
        ],
        directory / "cover.mp4",
    )  # fmt: skip


def epub_book(*, encrypted: bool = False) -> bytes:
    """A small EPUB 3 book as e-book tools write it: a Chinese chapter with a phone photo (EXIF and GPS)
    inside, a script, and pictures that point at the network and at a local file (never to be fetched)."""
    opf = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:4f1c2a8e-2b7d-4f0e-9d3a-1c2b3d4e5f60</dc:identifier>
    <dc:title>派出所的通知</dc:title>
    <dc:creator>Officer Wang</dc:creator>
    <dc:language>zh-CN</dc:language>
    <meta property="dcterms:modified">2024-05-01T10:15:30Z</meta>
  </metadata>
  <manifest>
    <item id="chapter" href="text/chapter.xhtml" media-type="application/xhtml+xml"/>
    <item id="photo" href="images/photo.jpg" media-type="image/jpeg"/>
    <item id="style" href="style.css" media-type="text/css"/>
  </manifest>
  <spine><itemref idref="chapter"/></spine>
</package>"""
    chapter = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN">
<head><title>通知</title><link rel="stylesheet" href="../style.css"/>
<script>fetch("http://127.0.0.1:9/opened")</script></head>
<body>
  <h1>通知</h1>
  <p>你的家人请你回国。Your family asks you to come home.</p>
  <img src="../images/photo.jpg" alt="photo"/>
  <img src="http://127.0.0.1:9/tracker.png" alt=""/>
  <img src="file:///etc/passwd" alt=""/>
</body>
</html>"""
    entries = {
        "META-INF/container.xml": b"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>""",
        "OEBPS/content.opf": opf.encode(),
        "OEBPS/text/chapter.xhtml": chapter.encode(),
        "OEBPS/images/photo.jpg": jpeg_with_exif(make="Huawei", model="P30 Pro", size=(160, 120)),
        "OEBPS/style.css": b"body { font-family: serif } h1 { color: #a00 }",
    }
    if encrypted:
        entries["META-INF/encryption.xml"] = b"""<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
            xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
    <enc:CipherData><enc:CipherReference URI="OEBPS/text/chapter.xhtml"/></enc:CipherData></enc:EncryptedData>
</encryption>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip")
        for name, content in entries.items():
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
