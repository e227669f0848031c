from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from longarm.evidence.models import Variant
from longarm.evidence.selectors import ListedItem
from longarm.evidence.uploads import EncryptedUpload, Refusal


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Files from ``EncryptingUploadHandler``: already type-checked, encrypted and hashed. Refused files
    become errors naming the file and the reason."""

    widget = MultipleFileInput

    def __init__(self, *, busy_message: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"multiple": True, "class": "evidence-files"})
        # Why a file was refused when the site-wide upload budget is spent, and what to do instead.
        self.busy_message = busy_message or Refusal.BUSY.label

    def to_python(self, data: Any) -> list[EncryptedUpload]:  # type: ignore[override]  # many files
        uploads = data if isinstance(data, list) else ([data] if data else [])
        errors = []
        for upload in uploads:
            if not isinstance(upload, EncryptedUpload):
                raise forms.ValidationError(Refusal.UNSUPPORTED.label, code="unsupported")
            if upload.refusal is not None:
                reason: Any = upload.refusal.label
                if upload.refusal == Refusal.TOO_LARGE:
                    reason = _("The file is larger than the limit of %(limit)s.") % {
                        "limit": filesizeformat(settings.LONGARM_MAX_UPLOAD_BYTES)
                    }
                elif upload.refusal == Refusal.REQUEST_TOO_LARGE:
                    reason = _("The files sent together are larger than the limit of %(limit)s.") % {
                        "limit": filesizeformat(settings.LONGARM_MAX_REQUEST_UPLOAD_BYTES)
                    }
                elif upload.refusal == Refusal.BUSY:
                    reason = self.busy_message
                errors.append(
                    forms.ValidationError(
                        _("“%(name)s” was not accepted: %(reason)s"),
                        code=upload.refusal.value,
                        params={"name": upload.name, "reason": reason},
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return uploads

    def clean(self, data: Any, initial: Any = None) -> list[EncryptedUpload]:
        uploads = self.to_python(data)
        if self.required and not uploads:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return uploads

    def bound_data(self, data: Any, initial: Any) -> Any:
        return initial


def _upload_limit() -> str:
    return filesizeformat(settings.LONGARM_MAX_UPLOAD_BYTES)


def evidence_files_field(**kwargs: Any) -> EvidenceFilesField:
    """The questionnaire's files: when the upload budget is spent, the reporter is told that the report can
    go without them, and the files follow from the mailbox (threat model §4.6)."""
    return EvidenceFilesField(
        busy_message=kwargs.pop(
            "busy_message",
            _(
                "We are receiving more files than we can take just now. You can send your report without "
                "them and add them later in your mailbox, with your receipt number."
            ),
        ),
        label=kwargs.pop("label", _("Files (optional)")),
        help_text=kwargs.pop(
            "help_text",
            format_lazy(
                _(
                    "Photos, screenshots, recordings, videos, documents or chat exports, up to {limit} each: "
                    "photos (JPEG, PNG, WebP, HEIC, AVIF, JPEG XL, TIFF, GIF, BMP, SVG), PDF, office "
                    "documents (Word, Excel, PowerPoint, OpenDocument, RTF) and e-books (EPUB), audio (M4A, "
                    "AAC, MP3, Ogg, Opus, AMR, WAV, FLAC, AIFF, WeChat voice messages), video (MP4, MOV, "
                    "WebM, MKV, 3GP, AVI, WMV), chat exports from WhatsApp, LINE or WeChat (text, HTML) and "
                    "CSV files, ZIP archives. Caseworkers see copies made again from the picture, pages or "
                    "sound alone, without the hidden details stored in the file, such as location and "
                    "device; what the file itself shows or says is not changed."
                ),
                limit=lazy(_upload_limit, str)(),
            ),
        ),
        **kwargs,
    )


class EvidenceUploadForm(forms.Form):
    attachments = EvidenceFilesField(label=_("Add files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].required = True
        self.fields["attachments"].error_messages["required"] = _("Please choose at least one file.")


class ExportForm(forms.Form):
    selection = forms.MultipleChoiceField(
        label=_("Files to include"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose at least one file to export.")},
    )

    def __init__(self, *args: Any, listing: list[ListedItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        for listed in listing:
            for variant in (Variant.ORIGINAL, Variant.DERIVATIVE):
                if variant in listed.blobs:
                    choices.append((f"{listed.item.public_id}:{variant}", f"{listed.name} — {variant.label}"))
        field = self.fields["selection"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = choices

    def chosen(self) -> list[tuple[str, str]]:
        pairs = (value.split(":", 1) for value in self.cleaned_data["selection"])
        return [(item_id, variant) for item_id, variant in pairs]
