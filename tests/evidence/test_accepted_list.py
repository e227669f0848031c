"""The upload help and the refusal message name every format detection accepts, in every language the
reporter site speaks (issue 12): a format added to ``detection`` without being named there fails here."""

import pytest
from django.conf import settings
from django.utils import translation

from longarm.evidence.detection import BY_CONTENT_TYPE
from longarm.evidence.forms import evidence_files_field
from longarm.evidence.uploads import Refusal

# How each accepted type is named to reporters (names of formats are not translated; of apps, some are).
NAMES: dict[str, str | tuple[str, ...]] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/avif": "AVIF",
    "image/jxl": "JPEG XL",
    "image/tiff": "TIFF",
    "image/gif": "GIF",
    "image/bmp": "BMP",
    "image/svg+xml": "SVG",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument",
    "application/vnd.oasis.opendocument.graphics": "OpenDocument",
    "application/rtf": "RTF",
    "application/epub+zip": "EPUB",
    "audio/mp4": "M4A",
    "audio/aac": "AAC",
    "audio/mpeg": "MP3",
    "audio/ogg": "Ogg",
    "audio/amr": "AMR",
    "audio/wav": "WAV",
    "audio/flac": "FLAC",
    "audio/aiff": "AIFF",
    # WeChat voice notes (SILK): the app by its name in the language (微信, ۋېيشىن).
    "audio/x-silk": ("WeChat", "微信", "ۋېيشىن"),
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/webm": "WebM",
    "video/3gpp": "3GP",
    "video/x-matroska": "MKV",
    "video/x-msvideo": "AVI",
    "video/x-ms-asf": "WMV",
    "text/plain": "WhatsApp",
    "text/html": "HTML",
    "text/csv": "CSV",
    "application/zip": "ZIP",
}
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def test_every_accepted_type_has_a_name() -> None:
    assert set(BY_CONTENT_TYPE) == set(NAMES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_help_and_the_refusal_name_every_accepted_format(language: str) -> None:
    with translation.override(language):
        texts = {"help": str(evidence_files_field().help_text), "refusal": str(Refusal.UNSUPPORTED.label)}
    for where, text in texts.items():
        spellings = [(name,) if isinstance(name, str) else name for name in NAMES.values()]
        missing = sorted({names[0] for names in spellings if not any(name in text for name in names)})
        assert not missing, (language, where, missing)
        assert "LINE" in text, (language, where)
        if language != settings.LANGUAGE_CODE:
            assert "This kind of file" not in text, (language, where)
            assert "Photos, screenshots" not in text, (language, where)
