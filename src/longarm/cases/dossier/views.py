from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.accounts.services import staff_private_key
from longarm.cases.dossier.content import reports_kept_out
from longarm.cases.dossier.evidence import evidence_for_case
from longarm.cases.dossier.forms import DossierForm, DossierRequestForm
from longarm.cases.dossier.requests import dossier_request_create
from longarm.cases.dossier.services import dossier_generate
from longarm.cases.referrals.selectors import referral_for_member
from longarm.core.downloads import as_attachment

MEMBERS = (Role.CASEWORKER, Role.INVESTIGATOR)


@staff_view(Role.INVESTIGATOR)
@require_http_methods(["GET", "POST"])
def dossier(request: HttpRequest, case_id: UUID, referral_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    referral = referral_for_member(user=user, case_id=case_id, public_id=referral_id)
    private_key = staff_private_key(request)
    evidence = evidence_for_case(referral.case, user=user, private_key=private_key)
    form = DossierForm(request.POST or None, case=referral.case, evidence=evidence)
    if request.method == "POST" and form.is_valid():
        file = dossier_generate(actor=user, private_key=private_key, referral=referral, choice=form.choice())
        response = HttpResponse(file.content, content_type="application/pdf")
        return as_attachment(response, file.filename)
    return render(
        request,
        "cases/dossier/choose.html",
        {
            "referral": referral,
            "case": referral.case,
            "form": form,
            "kept_out": reports_kept_out(referral.case),
        },
    )


@staff_view(*MEMBERS)
@require_POST
def dossier_request(request: HttpRequest, case_id: UUID, referral_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    referral = referral_for_member(user=user, case_id=case_id, public_id=referral_id)
    form = DossierRequestForm(request.POST)
    if form.is_valid():
        investigator = form.cleaned_data["investigator"]
        dossier_request_create(
            actor=user, private_key=staff_private_key(request), referral=referral, investigator=investigator
        )
        messages.success(
            request,
            _("%(name)s was asked for the dossier and sees the request in their inbox.")
            % {"name": investigator.username},
        )
    else:
        messages.error(request, _("Choose an investigator."))
    return redirect("cases:referral", case_id=case_id, referral_id=referral_id)
