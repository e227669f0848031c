"""PDF documents: cleaned with pikepdf (qpdf). Document information, XMP metadata, JavaScript, automatic
actions, embedded and attached files are removed; pages, text and images stay as they are."""

from typing import Any, BinaryIO, cast

import pikepdf
from pikepdf import Dictionary, Name, Pdf, Stream

from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.workspace import Workspace

_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Rendition"}
_OBJECT_KEYS = ("/Metadata", "/PieceInfo", "/AA", "/JS")


def _text(value: Any) -> str:
    try:
        return str(value)
    except (UnicodeDecodeError, ValueError):
        return repr(value)


def pdf_metadata(pdf: Pdf) -> dict[str, Any]:
    metadata: dict[str, Any] = {"pages": len(pdf.pages)}
    info = {key.lstrip("/"): _text(value) for key, value in pdf.docinfo.items()}
    if info:
        metadata["info"] = info
    if "/Metadata" in pdf.Root:
        try:
            with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
                metadata["xmp"] = {key: _text(value) for key, value in xmp.items()}
        except (ValueError, pikepdf.PdfError):
            metadata["xmp"] = "unreadable"
    names = pdf.Root.get("/Names")
    if isinstance(names, Dictionary):
        metadata["has_javascript"] = "/JavaScript" in names
        metadata["has_embedded_files"] = "/EmbeddedFiles" in names
    metadata["has_open_action"] = "/OpenAction" in pdf.Root
    return metadata


def _clean(pdf: Pdf) -> None:
    for key in ("/Metadata", "/OpenAction", "/AA", "/PieceInfo"):
        if key in pdf.Root:
            del pdf.Root[key]
    names = pdf.Root.get("/Names")
    if isinstance(names, Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    form = pdf.Root.get("/AcroForm")
    if isinstance(form, Dictionary) and "/XFA" in form:
        del form["/XFA"]
    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            kept = [annotation for annotation in annotations if not _active(annotation)]
            page.obj["/Annots"] = pikepdf.Array(kept)
    for obj in pdf.objects:
        if isinstance(obj, Dictionary | Stream):
            for key in _OBJECT_KEYS:
                if key in obj:
                    del obj[key]
            if _name(obj.get("/S")) in _ACTIVE_ACTIONS:
                obj["/S"] = Name("/GoTo")
                obj["/D"] = pikepdf.Array([])
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]


def _active(annotation: Any) -> bool:
    if not isinstance(annotation, Dictionary):
        return False
    action = annotation.get("/A")
    return _name(annotation.get("/Subtype")) in _ACTIVE_ANNOTATIONS or (
        isinstance(action, Dictionary) and _name(action.get("/S")) in _ACTIVE_ACTIONS
    )


def _name(value: Any) -> str:
    return str(value) if isinstance(value, Name) else ""


def sanitise_pdf(source: Workspace, out: Workspace) -> Sanitised:
    try:
        source.file.seek(0)
        with pikepdf.open(cast(BinaryIO, source.file)) as pdf:
            metadata = pdf_metadata(pdf)
            _clean(pdf)
            pdf.remove_unreferenced_resources()
            out.file.seek(0)
            out.file.truncate(0)
            pdf.save(cast(BinaryIO, out.file), deterministic_id=True, fix_metadata_version=False)
            out.file.flush()
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, KeyError, RecursionError):
        raise Unsanitisable(FailureReason.DAMAGED) from None
    return Sanitised(content_type="application/pdf", metadata=metadata)
