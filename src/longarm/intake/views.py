import base64
import binascii
import math
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import public_view
from longarm.core.session_vault import vault_clear, vault_load, vault_store
from longarm.crypto.envelopes import decrypt, encrypt, new_data_key
from longarm.crypto.errors import DecryptionError
from longarm.crypto.receipts import group_receipt, receipts_equal
from longarm.evidence import pending
from longarm.evidence.exceptions import PendingExpired, TooManyFiles
from longarm.evidence.forms import EvidenceUploadForm
from longarm.evidence.pending import pending_choose, pending_claimed, pending_keep, pending_uploads
from longarm.evidence.selectors import evidence_listing
from longarm.evidence.services import evidence_attach
from longarm.evidence.uploads import Refusal
from longarm.evidence.views import accepts_evidence
from longarm.gate.exceptions import GateRefused
from longarm.gate.services import gate_pass
from longarm.gate.tokens import Purpose
from longarm.gate.widget import gate_widget, refusal_message
from longarm.guidance.rights import rights_country_for
from longarm.intake.campaigns import open_campaign_for_link
from longarm.intake.contexts import RECEIPT_CONFIRMATION_CONTEXT
from longarm.intake.exceptions import ReceiptRefused, TooManyAttempts, TooManyMessages
from longarm.intake.forms import MessageForm, ReceiptConfirmForm, ReceiptLoginForm, ReportForm
from longarm.intake.models import Consent, Report
from longarm.intake.selectors import report_content, report_identity, report_thread
from longarm.intake.services import (
    message_post,
    report_open_with_receipt,
    report_record_read,
    report_submit,
    reporter_credentials_new,
)
from longarm.intake.submission_tokens import submission_token_remember, submission_token_used
from longarm.taxonomy.vocabularies import vocabulary

_MAILBOX_REPORT = "mailbox_report"
_DATA_KEY = "reporter-data-key"
_IDENTITY_KEY = "reporter-identity-key"
_CONFIRMATION_KEY = "receipt_confirmation_key"
_PENDING_EXPIRED = gettext_lazy(
    "Files you attached earlier were kept too long and have been deleted. Please choose them again."
)


@public_view
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/home.html")


@csrf_exempt  # checked inside accepts_evidence, once the encrypting upload handler is installed
@public_view
@require_http_methods(["GET", "POST"])
@accepts_evidence
def report_new(request: HttpRequest) -> HttpResponse:
    # Files kept from an earlier try that came back with errors (see evidence.pending).
    kept = pending_choose(request) if request.method == "POST" else []
    form = ReportForm(
        request.POST or None, request.FILES or None, initial={"campaign": request.GET.get("campaign", "")}
    )
    campaign = open_campaign_for_link(str(form["campaign"].value() or ""))
    if len(kept) < len(set(request.POST.getlist(pending.FIELD))):
        form.add_error(None, _PENDING_EXPIRED)
    if (
        form.is_bound
        and form.is_valid()
        and len(kept) + len(form.cleaned_data["attachments"]) > settings.LONGARM_MAX_FILES_PER_REPORT
    ):
        form.add_error("attachments", Refusal.TOO_MANY.label)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["submission_token"]
        if submission_token_used(request, token):
            return render(request, "intake/already_submitted.html", status=409)
        try:
            # The client pays for the two Argon2id derivations a submission costs before they are made.
            gate_pass(purpose=Purpose.REPORT, data=request.POST)
            # Before the transaction: its Argon2id derivations must not hold the database's write lock.
            credentials = reporter_credentials_new()
            with transaction.atomic():
                submission = report_submit(
                    answers=form.answers(),
                    consent=Consent(form.cleaned_data["consent"]),
                    statistics_consent=form.cleaned_data["statistics_consent"],
                    language=request.LANGUAGE_CODE,
                    evidence=[*kept, *form.cleaned_data["attachments"]],
                    survey_campaign=campaign.public_id if campaign else None,
                    credentials=credentials,
                )
                pending_claimed(request, kept)
        except GateRefused as error:
            form.add_error(None, refusal_message(error))
        except PendingExpired:
            form.add_error(None, _PENDING_EXPIRED)
            kept = pending_uploads(request)
        else:
            # A new session key, and so a new vault key (core.sessions): a session or vault cookie planted in
            # this browser before the submission holds nothing of what the session keeps from now on.
            request.session.cycle_key()
            submission_token_remember(request, token)
            rights_country = rights_country_for(form.cleaned_data["host_country"])
            return _receipt_page(request, submission.receipt, ReceiptConfirmForm(), rights_country)
    if request.method == "POST":
        kept, dropped = pending_keep(request, [*kept, *request.FILES.getlist("attachments")])
        for upload in dropped:
            form.add_error("attachments", pending.not_kept_error(upload))
    return render(
        request,
        "intake/report_form.html",
        {"form": form, "campaign": campaign, "attached": kept, "gate": gate_widget(request, Purpose.REPORT)},
    )


def _receipt_page(
    request: HttpRequest, receipt: str, form: ReceiptConfirmForm, rights_country: str
) -> HttpResponse:
    # The receipt travels only inside this page, encrypted under a key the session holds, so that a typo in
    # the confirmation can show it again without the server ever storing it.
    key = new_data_key()
    request.session[_CONFIRMATION_KEY] = base64.b64encode(key).decode("ascii")
    sealed = base64.b64encode(encrypt(key, receipt.encode(), context=RECEIPT_CONFIRMATION_CONTEXT)).decode(
        "ascii"
    )
    form.initial.update({"sealed_receipt": sealed, "rights_country": rights_country})
    if form.is_bound:
        data = QueryDict(mutable=True)
        data.update({"sealed_receipt": sealed, "typed_receipt": "", "rights_country": rights_country})
        form.data = data
    return render(request, "intake/receipt.html", {"groups": group_receipt(receipt), "form": form})


def _unsealed_receipt(request: HttpRequest, sealed: str) -> str | None:
    stored = request.session.get(_CONFIRMATION_KEY)
    if not stored:
        return None
    try:
        return decrypt(
            base64.b64decode(stored), base64.b64decode(sealed), context=RECEIPT_CONFIRMATION_CONTEXT
        ).decode("ascii")
    except (binascii.Error, DecryptionError, UnicodeDecodeError):
        return None


@public_view
@require_POST
def receipt_confirm(request: HttpRequest) -> HttpResponse:
    form = ReceiptConfirmForm(request.POST)
    receipt = _unsealed_receipt(request, request.POST.get("sealed_receipt", ""))
    rights_country = rights_country_for(request.POST.get("rights_country", ""))
    if receipt is None:
        return render(request, "intake/receipt_expired.html", status=400)
    if form.is_valid() and receipts_equal(form.cleaned_data["typed_receipt"], receipt):
        del request.session[_CONFIRMATION_KEY]
        return render(
            request,
            "intake/receipt_saved.html",
            {
                "rights_country": rights_country.lower(),
                "rights_country_name": vocabulary("host_countries").label(rights_country)
                if rights_country
                else "",
            },
        )
    if form.is_valid():
        form.add_error("typed_receipt", _("That is not the same number. Compare each group of four digits."))
    return _receipt_page(request, receipt, form, rights_country)


_TOO_MANY_MESSAGES = gettext_lazy(
    "You have sent as many messages today as one report can take. Please write again tomorrow."
)


@public_view
@require_http_methods(["GET", "POST"])
def mailbox_login(request: HttpRequest) -> HttpResponse:
    form = ReceiptLoginForm(request.POST or None)
    locked_out_minutes = 0
    if request.method == "POST" and form.is_valid():
        try:
            gate_pass(purpose=Purpose.RECEIPT, data=request.POST)
            # Only a paid attempt gets a session row: an unpaid flood writes nothing.
            if request.session.session_key is None:
                request.session.save()
            opened = report_open_with_receipt(
                receipt=form.cleaned_data["receipt"], session_key=request.session.session_key or ""
            )
        except GateRefused as error:
            form.add_error(None, refusal_message(error))
        except TooManyAttempts:
            # Not a form error: the receipt may well be right, and "check your answers" would blame the
            # reporter for a limit that only this browser session has reached.
            locked_out_minutes = math.ceil(settings.LONGARM_RECEIPT_WINDOW_SECONDS / 60)
        except ReceiptRefused:
            form.add_error(
                "receipt", _("This receipt number does not open a report. Check each digit and try again.")
            )
        else:
            # A new session key mints a new vault key (core.sessions): nothing planted in the browser before
            # this log-in can open what follows.
            request.session.cycle_key()
            vault_store(request, _DATA_KEY, opened.data_key)
            vault_store(request, _IDENTITY_KEY, opened.identity_key)
            # In the vault, not in clear: the session row must not say which report this browser opened.
            vault_store(request, _MAILBOX_REPORT, str(opened.report.public_id).encode())
            return redirect("intake:mailbox")
    return render(
        request,
        "intake/mailbox_login.html",
        {
            "form": form,
            "gate": gate_widget(request, Purpose.RECEIPT),
            "locked_out_minutes": locked_out_minutes,
        },
    )


def _mailbox_report(request: HttpRequest) -> Report | None:
    report_id = vault_load(request, _MAILBOX_REPORT)
    if report_id is None:
        return None
    try:
        return Report.objects.filter(public_id=UUID(report_id.decode("ascii"))).first()
    except (UnicodeDecodeError, ValueError):
        return None


@public_view
@require_http_methods(["GET", "POST"])
def mailbox(request: HttpRequest) -> HttpResponse:
    data_key, identity_key = vault_load(request, _DATA_KEY), vault_load(request, _IDENTITY_KEY)
    report = _mailbox_report(request)
    if report is None or data_key is None or identity_key is None:
        messages.info(request, _("Please enter your receipt number to open your report."))
        return redirect("intake:mailbox_login")
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_post(report=report, data_key=data_key, text=form.cleaned_data["text"], author=None)
        except TooManyMessages:
            form.add_error(
                "text",
                _TOO_MANY_MESSAGES,
            )
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("intake:mailbox")
    report_record_read(report=report, staff=None)
    return render(
        request,
        "intake/mailbox.html",
        {
            "report": report,
            "content": report_content(report=report, data_key=data_key),
            "identity": report_identity(report=report, identity_key=identity_key),
            "thread": report_thread(report=report, data_key=data_key),
            "form": form,
            "files": evidence_listing(report=report, data_key=data_key),
            "file_form": EvidenceUploadForm(),
        },
    )


@csrf_exempt  # checked inside accepts_evidence, once the encrypting upload handler is installed
@public_view
@require_POST
@accepts_evidence
def mailbox_files(request: HttpRequest) -> HttpResponse:
    data_key = vault_load(request, _DATA_KEY)
    report = _mailbox_report(request)
    if report is None or data_key is None:
        messages.info(request, _("Please enter your receipt number to open your report."))
        return redirect("intake:mailbox_login")
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence_attach(
                report=report, data_key=data_key, uploads=form.cleaned_data["attachments"], actor=None
            )
        except TooManyFiles:
            messages.error(request, _("Your report already holds as many files as it may."))
        else:
            messages.success(request, _("Thank you. Your files were received."))
    else:
        for error in form.errors.get("attachments", []):
            messages.error(request, str(error))
    return redirect("intake:mailbox")


@public_view
@require_POST
def mailbox_leave(request: HttpRequest) -> HttpResponse:
    vault_clear(request)
    request.session.flush()
    return redirect("intake:home")
