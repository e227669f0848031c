from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.accounts.services import staff_private_key
from longarm.cases.dossier.evidence import evidence_for_case
from longarm.cases.dossier.forms import DossierForm
from longarm.cases.dossier.services import dossier_generate
from longarm.cases.referrals.selectors import referral_for_member
from longarm.core.downloads import as_attachment


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
        request, "cases/dossier/choose.html", {"referral": referral, "case": referral.case, "form": form}
    )
