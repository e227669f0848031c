import json
import math
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from longarm.accounts.access import public_view
from longarm.core.session_vault import vault_clear, vault_delete, vault_load, vault_store
from longarm.crypto.receipts import group_receipt, receipts_equal
from longarm.evidence import pending
from longarm.evidence.exceptions import PendingExpired, TooManyFiles
from longarm.evidence.forms import EvidenceUploadForm
from longarm.evidence.pending import (
    pending_attached,
    pending_choose,
    pending_claimed,
    pending_forget,
    pending_keep,
    pending_uploads,
)
from longarm.evidence.selectors import evidence_listing
from longarm.evidence.services import evidence_attach
from longarm.evidence.uploads import EncryptedUpload, Refusal
from longarm.evidence.views import accepts_evidence
from longarm.gate.exceptions import GateRefused
from longarm.gate.services import gate_pass, once_spend
from longarm.gate.tokens import Purpose
from longarm.gate.widget import gate_widget, refusal_message
from longarm.guidance.rights import rights_country_for
from longarm.intake.campaigns import open_campaign_for_link
from longarm.intake.exceptions import (
    AlreadySubmitted,
    ReceiptRefused,
    ReportShredded,
    TooManyAttempts,
    TooManyMessages,
)
from longarm.intake.forms import MessageForm, ReceiptLoginForm, ReporterReportForm, ReviewForm
from longarm.intake.models import REVIEWABLE_CONSENTS, IntakeChannel, Report
from longarm.intake.selectors import report_content, report_identity, report_thread
from longarm.intake.services import (
    message_post,
    report_open_with_receipt,
    report_record_read,
    report_submit,
    reporter_credentials_new,
)
from longarm.intake.steps import (
    FILES,
    QUESTION_STEPS,
    REVIEW,
    STEPS,
    Draft,
    Step,
    draft_forget,
    draft_load,
    draft_save,
    review_sections,
    step_after,
    step_before,
    step_for,
    steps_skippable_after,
)
from longarm.intake.submission_tokens import submission_token_remember, submission_token_used
from longarm.taxonomy.vocabularies import vocabulary

_MAILBOX_REPORT = "mailbox_report"
_DATA_KEY = "reporter-data-key"
_IDENTITY_KEY = "reporter-identity-key"
# A message typed after the session ended, back in the message box once the report is open again.
_UNSENT = "mailbox-unsent"
_SENT = "report-sent"
# The files step keeps files only within the quotas of files waiting for a report (evidence.pending).
_NOT_KEPT = gettext_lazy(
    "“%(name)s” could not be kept: too many files are waiting to be sent. Send your report without it, then "
    "add it in your mailbox with your receipt number."
)
_MESSAGE_KEPT = gettext_lazy(
    "Your session ended, so please type your receipt number again. Your message is kept below, and it is "
    "sent only when you press Send."
)
_SESSION_ENDED = gettext_lazy(
    "Your session ended, so the answers you gave before this step were not kept. What you just sent is kept: "
    "please answer the other questions again."
)
_SESSION_ENDED_AT_SEND = gettext_lazy(
    "Your session ended before you pressed Send, so your report was not sent and its answers were not kept. "
    "Please answer the questions again; you will get a new receipt number."
)
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
def report_step(request: HttpRequest, slug: str = STEPS[0].slug) -> HttpResponse:
    """One step of the questionnaire (``intake.steps``): Next keeps valid answers and moves on, Back keeps
    whatever was typed; the last step sends the report."""
    step = step_for(slug)
    if step is None:
        raise Http404
    draft = draft_load(request)
    if step is REVIEW:
        return _report_review(request, draft)
    if request.method == "GET":
        if draft is None and step is not STEPS[0]:
            return redirect("intake:report_new")  # a fresh session, or one that expired
        draft = draft or Draft()
        campaign_key = request.GET.get("campaign", "")
        if campaign_key and open_campaign_for_link(campaign_key) is not None:
            draft.campaign = campaign_key
            draft_save(request, draft)
        return _step_page(request, step, draft)
    # A later step posted without a draft: the session ended (it expired, or the browser was closed) after
    # the earlier steps. What this step sent is kept, and the reporter is told why the rest is asked again.
    session_ended = draft is None and step is not STEPS[0]
    draft = draft or Draft()
    form = ReporterReportForm(
        request.POST, request.FILES or None, fields=step.fields, country=_country(draft)
    )
    attached = _files_kept(request, form) if "attachments" in step.fields else []
    draft.keep(form, request.POST)
    going = request.POST.get("go", "next")
    if going != "back" and not form.is_valid():
        draft_save(request, draft)
        return _step_page(request, step, draft, form=form, attached=attached)
    target = step_before(step) if going == "back" else step_after(step)
    if going != "back":
        draft.mark_done(step)
        skipped = steps_skippable_after(step) if going == "skip" else []
        for later in skipped:
            draft.mark_done(later)
        target = REVIEW if skipped else target
    draft_save(request, draft)
    if session_ended:
        messages.warning(request, _SESSION_ENDED)
        target = draft.first_missing()
    return redirect("intake:report_step", (target or step).slug)


def _country(draft: Draft) -> str:
    country = draft.answers.get("host_country", "")
    return country if isinstance(country, str) else ""


def _files_kept(request: HttpRequest, form: ReporterReportForm) -> list[EncryptedUpload]:
    """The files step: keep the ticked earlier files and the new ones, as far as the quotas allow."""
    kept = pending_choose(request)
    if len(kept) < len(set(request.POST.getlist(pending.FIELD))):
        form.add_error(None, _PENDING_EXPIRED)
    new = request.FILES.getlist("attachments")
    if (
        form.is_valid()
        and len(kept) + len(form.cleaned_data["attachments"]) > settings.LONGARM_MAX_FILES_PER_REPORT
    ):
        # Kept all the same, so that the reporter chooses which to untick rather than upload again.
        form.add_error("attachments", Refusal.TOO_MANY.label)
    kept, dropped = pending_keep(request, [*kept, *new])
    for upload in dropped:
        form.add_error(
            "attachments",
            ValidationError(_NOT_KEPT, code="not_kept", params={"name": upload.name}),
        )
    return kept


def _step_page(
    request: HttpRequest,
    step: Step,
    draft: Draft,
    *,
    form: ReporterReportForm | None = None,
    attached: list[EncryptedUpload] | None = None,
) -> HttpResponse:
    if form is None:
        # A step passed before is shown as answered, with any message that its answers now need.
        form = (
            ReporterReportForm(draft.data(), fields=step.fields, country=_country(draft))
            if step.slug in draft.done and "attachments" not in step.fields
            else ReporterReportForm(initial=draft.answers, fields=step.fields, country=_country(draft))
        )
    if attached is None and "attachments" in step.fields:
        attached = pending_uploads(request)
    return render(
        request,
        "intake/report_step.html",
        {
            "step": step,
            "total": len(STEPS),
            "previous": step_before(step),
            "skippable": bool(steps_skippable_after(step)),
            "form": form,
            "attached": attached or [],
            "campaign": open_campaign_for_link(draft.campaign) if draft.campaign else None,
        },
    )


def _report_review(request: HttpRequest, draft: Draft | None) -> HttpResponse:
    if draft is None:
        if request.method == "POST" and submission_token_used(
            request, request.POST.get("submission_token", "")
        ):
            return render(request, "intake/already_submitted.html", status=409)
        if request.method == "POST":
            messages.warning(request, _SESSION_ENDED_AT_SEND)
        return redirect("intake:report_new")
    missing = draft.first_missing()
    if missing is not None:
        return redirect("intake:report_step", missing.slug)
    answers = ReporterReportForm(draft.data(), country=_country(draft))
    if not answers.is_valid():
        wrong = next((s for s in QUESTION_STEPS if set(s.fields) & set(answers.errors)), STEPS[0])
        return redirect("intake:report_step", wrong.slug)
    had_receipt = bool(draft.receipt)
    receipt = draft.receipt_drawn()
    if not had_receipt:
        draft_save(request, draft)
    form = ReviewForm(
        request.POST or None,
        initial={"submission_token": draft.token, "consent": draft.answers.get("consent", "")},
    )
    if request.method == "POST":
        # Kept like every step's answers: a mistyped receipt, a reload or Back does not lose the choice.
        draft.answers["consent"] = request.POST.get("consent", "")
        draft_save(request, draft)
        if request.POST.get("go") == "back":
            return redirect("intake:report_step", (step_before(REVIEW) or REVIEW).slug)
    if request.method == "POST" and form.is_valid():
        if submission_token_used(request, form.cleaned_data["submission_token"]):
            return render(request, "intake/already_submitted.html", status=409)
        if receipts_equal(form.cleaned_data["typed_receipt"], receipt):
            sent = _report_send(request, draft, answers, form)
            if sent is not None:
                return sent
        else:
            form.add_error(
                "typed_receipt", _("That is not the same number. Compare each group of four digits.")
            )
    return render(
        request,
        "intake/report_review.html",
        {
            "step": REVIEW,
            "total": len(STEPS),
            "previous": step_before(REVIEW),
            "sections": review_sections(answers),
            "attached": pending_uploads(request),
            "groups": group_receipt(receipt),
            "receipt_replaced": draft.receipt_replaced,
            "form": form,
            "gate": gate_widget(request, Purpose.REPORT),
            "campaign": open_campaign_for_link(draft.campaign) if draft.campaign else None,
        },
    )


def _report_send(
    request: HttpRequest, draft: Draft, answers: ReporterReportForm, form: ReviewForm
) -> HttpResponse | None:
    """Send the draft as a report; None when the gate refused it (the error is on ``form``)."""
    # Exactly the files the last step listed: one that expired since is not left out without a word.
    shown = set(request.POST.getlist(pending.FIELD))
    kept = [upload for upload in pending_uploads(request) if upload.item_id.hex in shown]
    if len(kept) < len(shown):
        if pending_attached(request):
            return _already_sent(request, draft)
        messages.error(request, _PENDING_EXPIRED)
        return redirect("intake:report_step", FILES.slug)
    consent, statistics_consent = form.consent_and_statistics()
    campaign = open_campaign_for_link(draft.campaign) if draft.campaign else None
    try:
        # The client pays for the two Argon2id derivations a submission costs before they are made.
        gate_pass(purpose=Purpose.REPORT, data=request.POST)
        # Before the transaction: its Argon2id derivations must not hold the database's write lock.
        credentials = reporter_credentials_new(draft.receipt)
        with transaction.atomic():
            report_submit(
                answers=answers.answers(),
                consent=consent,
                statistics_consent=statistics_consent,
                language=request.LANGUAGE_CODE,
                evidence=kept,
                intake_channel=IntakeChannel.SURVEY if campaign else IntakeChannel.WEB,
                survey_campaign=campaign.public_id if campaign else None,
                credentials=credentials,
            )
            pending_claimed(request, kept)
    except GateRefused as error:
        form.add_error(None, refusal_message(error))
        return None
    except AlreadySubmitted:
        return _already_sent(request, draft)
    except PendingExpired:
        messages.error(request, _PENDING_EXPIRED)
        return redirect("intake:report_step", FILES.slug)
    draft_forget(request)
    # A new session key, and so a new vault key (core.sessions): a session or vault cookie planted in this
    # browser before the submission holds nothing of what the session keeps from now on.
    request.session.cycle_key()
    submission_token_remember(request, draft.token)
    # Which rights page to offer next, kept in the vault like the draft it comes from.
    # Which rights page to offer next, and whether a reply can come (nobody reads a statistics-only report).
    sent = {
        "country": rights_country_for(answers.cleaned_data["host_country"]),
        "replies": consent in REVIEWABLE_CONSENTS,
    }
    vault_store(request, _SENT, json.dumps(sent).encode())
    return redirect("intake:report_sent")


def _already_sent(request: HttpRequest, draft: Draft) -> HttpResponse:
    """The draft was stored by an earlier try whose answer never arrived (the connection broke, the server
    was killed after the commit): say so, and forget the draft, rather than store it twice or fail."""
    draft_forget(request)
    pending_forget(request)
    submission_token_remember(request, draft.token)
    return render(request, "intake/already_submitted.html", status=409)


@public_view
@require_GET
def report_sent(request: HttpRequest) -> HttpResponse:
    stored = vault_load(request, _SENT)
    if stored is None:
        return redirect("intake:home")
    try:
        sent = json.loads(stored)
        rights_country, replies = str(sent["country"]), bool(sent["replies"])
    except (ValueError, KeyError, TypeError):
        return redirect("intake:home")
    return render(
        request,
        "intake/receipt_saved.html",
        {
            "replies": replies,
            "rights_country": rights_country.lower(),
            "rights_country_name": vocabulary("host_countries").label(rights_country)
            if rights_country
            else "",
        },
    )


_TOO_MANY_MESSAGES = gettext_lazy(
    "You have sent as many messages today as one report can take. Please write again tomorrow."
)


@public_view
@require_http_methods(["GET", "POST"])
def mailbox_login(request: HttpRequest) -> HttpResponse:
    form = ReceiptLoginForm(request.POST or None)
    locked_out_minutes = 0
    shredded = False
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
        except ReportShredded:
            shredded = True
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
            if form.cleaned_data["unsent"]:
                vault_store(request, _UNSENT, form.cleaned_data["unsent"].encode())
            return redirect("intake:mailbox")
    return _login_page(request, form, locked_out_minutes=locked_out_minutes, shredded=shredded)


def _login_page(
    request: HttpRequest, form: ReceiptLoginForm, *, locked_out_minutes: int = 0, shredded: bool = False
) -> HttpResponse:
    return render(
        request,
        "intake/mailbox_login.html",
        {
            "form": form,
            "gate": gate_widget(request, Purpose.RECEIPT),
            "locked_out_minutes": locked_out_minutes,
            "shredded": shredded,
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
        typed = request.POST.get("text", "").strip() if request.method == "POST" else ""
        if typed:
            # The session ended while they wrote: the message stays on the page, not lost with it.
            messages.warning(request, _MESSAGE_KEPT)
            return _login_page(request, ReceiptLoginForm(initial={"unsent": typed}))
        messages.info(request, _("Please enter your receipt number to open your report."))
        return redirect("intake:mailbox_login")
    unsent = vault_load(request, _UNSENT) if request.method == "GET" else None
    if unsent is not None:
        vault_delete(request, _UNSENT)
    form = MessageForm(request.POST or None, initial={"text": unsent.decode()} if unsent else None)
    # Nobody reads a statistics-only report: a message would wait for a reply that cannot come.
    may_write = report.consent in REVIEWABLE_CONSENTS
    if request.method == "POST" and not may_write:
        return redirect("intake:mailbox")
    if request.method == "POST" and form.is_valid():
        try:
            token = form.cleaned_data["token"]
            with transaction.atomic():
                # A page from before the token (none posted) sends as it always did.
                if not token or once_spend(
                    scope="mailbox-message", nonce=token, lasts=timedelta(seconds=settings.SESSION_COOKIE_AGE)
                ):
                    message_post(
                        report=report, data_key=data_key, text=form.cleaned_data["text"], author=None
                    )
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
            "may_write": may_write,
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
