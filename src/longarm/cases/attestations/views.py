import base64
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.models import Role
from longarm.accounts.services import staff_private_key
from longarm.cases.attestations.codes import group_code
from longarm.cases.attestations.exceptions import TooManyAttempts
from longarm.cases.attestations.forms import IssueForm, VerifyForm
from longarm.cases.attestations.letters import letter_language, qr_svg
from longarm.cases.attestations.selectors import attestation_for_member
from longarm.cases.attestations.services import (
    attestation_issue,
    attestation_message,
    attestation_revoke,
    attestation_verify,
)
from longarm.cases.exceptions import NotAllowed
from longarm.cases.models import Attestation
from longarm.cases.selectors import case_for_user
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.core.keyring import current_keyring, own_signer
from longarm.core.session_vault import vault_load, vault_store
from longarm.gate.exceptions import GateRefused
from longarm.gate.services import gate_pass
from longarm.gate.tokens import Purpose
from longarm.gate.widget import gate_widget, refusal_message

MEMBERS = (Role.CASEWORKER, Role.INVESTIGATOR)


def _vault_name(reference: str) -> str:
    return f"attestation-code:{reference}"


@staff_view(*MEMBERS)
@require_POST
def attestation_new(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the person who signs the attestation, and their role."))
        return redirect("cases:referrals", case_id=case.public_id)
    try:
        issued = attestation_issue(
            actor=user, private_key=staff_private_key(request), case=case, **form.cleaned_data
        )
    except NotAllowed:
        messages.error(request, _("This case groups no report, so there is nothing to attest."))
        return redirect("cases:referrals", case_id=case.public_id)
    # The code is stored nowhere but this session's vault, so the letter can be printed again until log-out.
    vault_store(request, _vault_name(issued.attestation.reference), issued.code.encode())
    return redirect("cases:attestation", case_id=case.public_id, reference=issued.attestation.reference)


@staff_view(*MEMBERS)
def attestation_letter(request: HttpRequest, case_id: UUID, reference: str) -> HttpResponse:
    attestation = attestation_for_member(user=acting_staff(request), case_id=case_id, reference=reference)
    code = vault_load(request, _vault_name(reference))
    verify_url = request.build_absolute_uri(reverse("attestations:verify"))
    # The reader's language, chosen on the letter page; the console's by default.
    language = letter_language(request.GET.get("language"))
    context = {
        "attestation": attestation,
        "code": group_code(code.decode()) if code else None,
        "signature": base64.b64encode(bytes(attestation.signature)).decode(),
        # The key that signed it: a letter printed again after a signing-key rotation names the old key.
        "public_key": base64.b64encode(_signer_key(attestation)).decode(),
        "verify_url": verify_url,
        # The reference, never the code: whoever scans the letter still types the code printed on it.
        "verify_qr": qr_svg(f"{verify_url}?{urlencode({'reference': attestation.reference})}"),
        "languages": settings.LANGUAGES,
        "letter_language": language,
    }
    with translation.override(language):
        return render(request, "cases/attestations/letter.html", context)


@staff_view(*MEMBERS)
@require_POST
def attestation_revoke_view(request: HttpRequest, case_id: UUID, reference: str) -> HttpResponse:
    user = acting_staff(request)
    attestation = attestation_for_member(user=user, case_id=case_id, reference=reference)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Revoke attestation %(reference)s?") % {"reference": attestation.reference},
            consequence=_(
                "Anyone who checks this attestation will be told it was revoked. A revoked attestation "
                "cannot be made valid again: a new one would have to be issued."
            ),
            cancel_url=reverse("cases:referrals", kwargs={"case_id": attestation.case.public_id}),
        )
    try:
        attestation_revoke(actor=user, attestation=attestation)
    except NotAllowed:
        messages.error(request, _("This attestation was already revoked."))
    else:
        messages.success(request, _("The attestation was revoked. Verification now answers “revoked”."))
    return redirect("cases:referrals", case_id=attestation.case.public_id)


@public_view
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public: no log-in. Answers valid, invalid or revoked for a reference and code, and nothing else."""
    # A letter's QR code fills in its reference; the code is typed from the paper.
    form = VerifyForm(request.POST or None, initial={"reference": request.GET.get("reference", "")[:40]})
    checked = None
    if request.method == "POST" and form.is_valid():
        try:
            gate_pass(purpose=Purpose.ATTESTATION, data=request.POST)
            # Only a paid attempt gets a session row: an unpaid flood writes nothing.
            if request.session.session_key is None:
                request.session.save()
            checked = attestation_verify(
                reference=form.cleaned_data["reference"],
                code=form.cleaned_data["code"],
                session_key=request.session.session_key or "",
            )
        except GateRefused as error:
            form.add_error(None, refusal_message(error))
        except TooManyAttempts:
            form.add_error(None, _("Too many wrong codes were tried. Please wait 15 minutes and try again."))
    gate = gate_widget(request, Purpose.ATTESTATION)
    return render(request, "cases/attestations/verify.html", {"form": form, "checked": checked, "gate": gate})


def _signer_key(attestation: Attestation) -> bytes:
    signer = own_signer(attestation_message(attestation), bytes(attestation.signature))
    return signer.public_key if signer else current_keyring().signing_public_key
