"""Which sanitiser handles which type, and the checks that apply to every file before it is parsed."""

from longarm.evidence.detection import ZIP_BASED, DetectedType
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import EvidenceKind, FailureReason
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.sanitise.archives import sanitise_archive
from longarm.evidence.sanitise.images import sanitise_image
from longarm.evidence.sanitise.media import sanitise_media
from longarm.evidence.sanitise.pdf import sanitise_document, sanitise_svg
from longarm.evidence.sanitise.silk import sanitise_silk
from longarm.evidence.sanitise.text import sanitise_text
from longarm.evidence.workspace import Workspace

# End of central directory record: 22 bytes plus a comment of up to 65535 bytes, at the very end.
_EOCD = b"PK\x05\x06"
_EOCD_SEARCH = 22 + 65535
# PDF readers accept the header anywhere in the first 1024 bytes.
_PDF_HEADER_WINDOW = 1024


def _ends_with_zip_directory(tail: bytes) -> bool:
    start = tail.rfind(_EOCD)
    while start != -1:
        if start + 22 <= len(tail):
            comment_length = int.from_bytes(tail[start + 20 : start + 22], "little")
            if start + 22 + comment_length == len(tail):
                return True
        start = tail.rfind(_EOCD, 0, start)
    return False


def check_polyglot(source: Workspace, detected: DetectedType) -> None:
    """Raise ``Unsanitisable(POLYGLOT)`` if the file also parses as a ZIP or a PDF.

    Such a file is one thing to our sanitiser and another to whoever opens the original later; a ZIP is
    read from its end and a PDF from a header near its start, so both can hide behind any other type.
    """
    if detected.content_type not in ZIP_BASED and _ends_with_zip_directory(source.tail(_EOCD_SEARCH)):
        raise Unsanitisable(FailureReason.POLYGLOT)
    if detected.kind != EvidenceKind.PDF and b"%PDF-" in source.head(_PDF_HEADER_WINDOW):
        raise Unsanitisable(FailureReason.POLYGLOT)


def sanitise(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    """Write a metadata-free derivative of ``source`` to ``out``; raises ``Unsanitisable`` with a reason."""
    check_polyglot(source, detected)
    match detected.kind:
        case EvidenceKind.IMAGE if detected.content_type == "image/svg+xml":
            return sanitise_svg(source, out)
        case EvidenceKind.IMAGE:
            return sanitise_image(source, detected, out)
        case EvidenceKind.PDF | EvidenceKind.DOCUMENT:
            return sanitise_document(source, detected, out)
        case EvidenceKind.AUDIO if detected.content_type == "audio/x-silk":
            return sanitise_silk(source, out)
        case EvidenceKind.AUDIO | EvidenceKind.VIDEO:
            return sanitise_media(source, detected, out)
        case EvidenceKind.TEXT:
            return sanitise_text(source, detected, out)
        case EvidenceKind.ARCHIVE:
            return sanitise_archive(source, out)
    raise Unsanitisable(FailureReason.INTERNAL)
