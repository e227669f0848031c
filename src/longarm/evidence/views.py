from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import staff_private_key
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.coding.limits import identifier_limit_message
from longarm.cases.coding.services import identifier_add
from longarm.cases.models import IdentifierKind
from longarm.cases.selectors import report_case_for_user
from longarm.core.csrf import NoReferrerCsrfViewMiddleware
from longarm.core.downloads import as_attachment
from longarm.core.keyring import current_keyring
from longarm.crypto.errors import DecryptionError
from longarm.evidence.budget import Reservation, upload_budget
from longarm.evidence.detection import extension_for
from longarm.evidence.exceptions import KeyNotHeld, TooManyFiles
from longarm.evidence.forms import EvidenceUploadForm, ExportForm
from longarm.evidence.keys import blob_key_for_staff
from longarm.evidence.models import CustodyAction, EvidenceBlob, PendingUpload, Variant
from longarm.evidence.package import stream_package
from longarm.evidence.records import FileRecord
from longarm.evidence.selectors import (
    blob_of,
    blob_plaintext,
    blob_record,
    evidence_listing,
    item_for_staff,
    item_metadata,
    offers_for_staff,
)
from longarm.evidence.services import evidence_attach, evidence_export, evidence_record_access
from longarm.evidence.uploads import EncryptingUploadHandler
from longarm.intake.models import Report
from longarm.intake.selectors import report_for_staff, staff_data_key
from longarm.linking.exceptions import IdentifierLimitReached, IdentifierRefused

UPLOADERS = (Role.CASEWORKER, Role.INVESTIGATOR, Role.OPERATOR)
_csrf_protect = decorator_from_middleware(NoReferrerCsrfViewMiddleware)


def _accepting[V: Callable[..., HttpResponseBase]](view: V, *, budgeted: bool) -> V:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        handler = EncryptingUploadHandler(request, budget=Reservation(upload_budget()) if budgeted else None)
        request.upload_handlers = [handler]
        try:
            return _csrf_protect(view)(request, *args, **kwargs)
        finally:
            names = [upload.storage_name for upload in handler.uploads]
            claimed: set[str] = set()
            if names:  # most posts carry no file: no queries to build (issue 13, the questionnaire's steps)
                for model in (EvidenceBlob, PendingUpload):
                    claimed |= set(
                        model.objects.filter(storage_name__in=names).values_list("storage_name", flat=True)
                    )
            handler.discard_unclaimed(claimed)

    return cast(V, wrapper)


def accepts_evidence[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Let ``view`` receive files from reporters: they stream through ``EncryptingUploadHandler`` into
    storage, drawing on the site-wide upload budget (``evidence.budget``), and every blob the request wrote
    that no committed item refers to (nor a file kept for the questionnaire, see ``evidence.pending``) is
    deleted, and its share of the budget given back, when the view returns or fails.

    Django's CSRF middleware reads the body before the view runs, which would parse it with the default
    handler; so the view must be marked ``@csrf_exempt`` outermost, and the same CSRF check runs here
    instead, once the encrypting handler is in place.
    """
    return _accepting(view, budgeted=True)


def accepts_staff_evidence[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """As ``accepts_evidence``, for a view only logged-in staff reach: their uploads do not draw on the
    reporters' budget (the per-file and per-request limits still apply)."""
    return _accepting(view, budgeted=False)


def staff_panel_context(
    *, request: HttpRequest, user: StaffUser, report: Report, data_key: bytes
) -> dict[str, Any]:
    """What the staff report page shows of the evidence: files, previews, status, the identifiers a chat
    export offers to be added to the case, and for investigators the extracted metadata and the export
    form."""
    listing = evidence_listing(report=report, data_key=data_key)
    investigator = user.role == Role.INVESTIGATOR
    metadata: dict[str, dict[str, Any]] = {}
    private_key = staff_private_key(request)
    offers = offers_for_staff(report=report, listing=listing, staff=user, private_key=private_key)
    if investigator:
        for listed in listing:
            original = listed.blobs.get(Variant.ORIGINAL)
            if original is None or not listed.item.metadata_ciphertext:
                continue
            try:
                key = blob_key_for_staff(blob=original, staff=user, private_key=private_key)
            except KeyNotHeld:
                continue
            metadata[str(listed.item.public_id)] = item_metadata(item=listed.item, original_key=key)
    return {
        "evidence": [
            {
                "listed": listed,
                "metadata": metadata.get(str(listed.item.public_id)),
                "offers": [
                    {"offer": offer, "label": _kind_label(offer.kind)}
                    for offer in offers.get(listed.item.public_id, [])
                ],
            }
            for listed in listing
        ],
        "evidence_upload_form": EvidenceUploadForm(),
        "evidence_export_form": ExportForm(listing=listing) if investigator and listing else None,
        "may_download_originals": investigator,
    }


@csrf_exempt  # checked inside accepts_staff_evidence, once the encrypting upload handler is installed
@staff_view(*UPLOADERS)
@require_POST
@accepts_staff_evidence
def staff_upload(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    report, sealed = report_for_staff(user=user, public_id=public_id)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("attachments", []):
            messages.error(request, str(error))
        return redirect("cases:report", public_id=report.public_id)
    data_key = staff_data_key(sealed=sealed, private_key=staff_private_key(request))
    try:
        items = evidence_attach(
            report=report, data_key=data_key, uploads=form.cleaned_data["attachments"], actor=user
        )
    except TooManyFiles:
        messages.error(request, _("This report already holds as many files as it may."))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d file was added. It is being checked and cleaned.",
                "%(count)d files were added. They are being checked and cleaned.",
                len(items),
            )
            % {"count": len(items)},
        )
    return redirect("cases:report", public_id=report.public_id)


def file_response(*, record: FileRecord, plaintext: Iterable[bytes], filename: str) -> StreamingHttpResponse:
    """Every version of every item, the preview included, is a download (threat model §4.10)."""
    response = StreamingHttpResponse(plaintext, content_type=record.content_type)
    response["Content-Length"] = str(record.size)
    return as_attachment(response, filename)


@staff_view(*UPLOADERS)
@require_GET
def staff_file(request: HttpRequest, item_id: UUID, variant: str) -> HttpResponseBase:
    user = acting_staff(request)
    item = item_for_staff(user=user, item_id=item_id)
    if variant not in Variant.values:
        raise Http404
    if variant == Variant.ORIGINAL and user.role != Role.INVESTIGATOR:
        raise PermissionDenied
    blob = blob_of(item=item, variant=variant)
    try:
        key = blob_key_for_staff(blob=blob, staff=user, private_key=staff_private_key(request))
    except KeyNotHeld:
        raise Http404 from None
    try:
        record = blob_record(blob=blob, item=item, key=key)
    except DecryptionError:
        messages.error(request, _("This file's record of its hash does not open: it was altered."))
        return redirect("cases:report", public_id=item.report.public_id)
    # The preview is the one version a console page shows (as an <img>): that is viewing, the rest saving.
    shown = variant == Variant.PREVIEW
    evidence_record_access(
        item=item,
        blob=blob,
        key=key,
        staff=user,
        action=CustodyAction.VIEWED if shown else CustodyAction.DOWNLOADED,
    )
    filename = f"evidence-{item.reference}-{variant}.{extension_for(record.content_type)}"
    plaintext = blob_plaintext(blob=blob, item=item, key=key, size=record.size)
    return file_response(record=record, plaintext=plaintext, filename=filename)


@staff_view(Role.INVESTIGATOR)
@require_POST
def staff_export(request: HttpRequest, public_id: UUID) -> HttpResponseBase:
    user = acting_staff(request)
    report, sealed = report_for_staff(user=user, public_id=public_id)
    private_key = staff_private_key(request)
    data_key = staff_data_key(sealed=sealed, private_key=private_key)
    listing = evidence_listing(report=report, data_key=data_key)
    form = ExportForm(request.POST, listing=listing)
    if not form.is_valid():
        messages.error(request, _("Please choose at least one file to export."))
        return redirect("cases:report", public_id=report.public_id)
    by_id = {str(listed.item.public_id): listed for listed in listing}
    choices = [(by_id[item_id].item, by_id[item_id].blobs[variant]) for item_id, variant in form.chosen()]
    prepared = evidence_export(
        report=report, staff=user, private_key=private_key, data_key=data_key, choices=choices
    )
    response = StreamingHttpResponse(
        stream_package(
            files=prepared.files,
            manifest=prepared.manifest,
            signing_seed=current_keyring().signing_seed,
            created=prepared.package.created_at,
        ),
        content_type="application/zip",
    )
    name = f"evidence-{report.reference}-{prepared.package.public_id.hex[:8]}.zip"
    return as_attachment(response, name)


def _kind_label(kind: str) -> str:
    return str(IdentifierKind(kind).label) if kind in IdentifierKind.values else kind


@staff_view(Role.CASEWORKER, Role.INVESTIGATOR)
@require_POST
def offer_add(request: HttpRequest, item_id: UUID, index: int) -> HttpResponseBase:
    """Add one identifier a sanitised copy offers (by its place in the copy's record, never a value sent by
    the browser) to the case that holds the report, through the cases' own service (quota, linking keys,
    audit); the evidence item it came from is recorded in the audit trail too."""
    user = acting_staff(request)
    item = item_for_staff(user=user, item_id=item_id)
    back = redirect(reverse("cases:report", args=[item.report.public_id]) + f"#evidence-{item.public_id}")
    case = report_case_for_user(user=user, report_id=item.report_id).case
    if case is None:
        messages.error(request, _("Group this report into a case first: identifiers belong to a case."))
        return back
    blob = blob_of(item=item, variant=Variant.DERIVATIVE)
    private_key = staff_private_key(request)
    try:
        key = blob_key_for_staff(blob=blob, staff=user, private_key=private_key)
    except KeyNotHeld:
        raise Http404 from None
    try:
        record = blob_record(blob=blob, item=item, key=key)
    except DecryptionError:
        messages.error(request, _("This file's record of its hash does not open: it was altered."))
        return back
    if index >= len(record.offers) or record.offers[index][0] not in IdentifierKind.values:
        raise Http404
    kind, value = record.offers[index]
    try:
        identifier_add(actor=user, private_key=private_key, case=case, kind=IdentifierKind(kind), value=value)
    except IdentifierRefused as refused:
        messages.info(request, refused.message)
        return back
    except IdentifierLimitReached as limit:
        messages.error(request, identifier_limit_message(limit))
        return back
    with transaction.atomic():
        audit_append(
            actor=user,
            actor_kind=ActorKind.STAFF,
            action="evidence.offer.added",
            object_type="evidence",
            object_id=str(item.public_id),
        )
    messages.success(request, _("The identifier was added to the case."))
    return back
