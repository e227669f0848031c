from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.accounts.services import staff_private_key
from longarm.cases.dossier.forms import DossierRequestForm
from longarm.cases.keys import has_case_key
from longarm.cases.models import CaseKeyKind, ReferralStatus
from longarm.cases.referrals.forms import FORMS, DoNotRemoveForm, ReferralStatusForm
from longarm.cases.referrals.selectors import referral_for_member, referral_view
from longarm.cases.referrals.services import (
    case_set_do_not_remove,
    referral_change_status,
    referral_create,
    referral_record_read,
)
from longarm.cases.selectors import case_for_user, case_keys
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.core.redirects import safe_next_url

MEMBERS = (Role.CASEWORKER, Role.INVESTIGATOR)


@staff_view(*MEMBERS)
def case_referrals(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_for_user(user=acting_staff(request), public_id=case_id)
    return render(request, "cases/referrals/case_referrals.html", {"case": case})


@staff_view(*MEMBERS)
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, case_id: UUID, kind: str) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404
    holder = has_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=user)
    if "choose_jurisdiction" in request.POST:
        # Another jurisdiction chosen (without JavaScript, by its button): the form again, with what was typed
        # kept and that jurisdiction's provisions offered, and no errors for fields not filled in yet.
        form = form_class(initial=request.POST.dict(), case=case, identity_holder=holder)
    else:
        form = form_class(request.POST or None, initial=request.GET.dict(), case=case, identity_holder=holder)
    if request.method == "POST" and form.is_bound and form.is_valid():
        referral = referral_create(
            actor=user, private_key=staff_private_key(request), case=case, data=form.to_input()
        )
        messages.success(request, _("The referral was recorded."))
        return redirect("cases:referral", case_id=case.public_id, referral_id=referral.public_id)
    return render(request, "cases/referrals/referral_new.html", {"case": case, "form": form})


@staff_view(*MEMBERS)
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, case_id: UUID, referral_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    referral = referral_for_member(user=user, case_id=case_id, public_id=referral_id)
    private_key = staff_private_key(request)
    form = ReferralStatusForm(request.POST or None, initial={"status": referral.status})
    if request.method == "POST" and form.is_valid():
        referral_change_status(
            actor=user,
            private_key=private_key,
            referral=referral,
            status=ReferralStatus(form.cleaned_data["status"]),
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("The referral's history was updated."))
        return redirect("cases:referral", case_id=case_id, referral_id=referral_id)
    case = referral.case
    keys = case_keys(case=case, user=user, private_key=private_key)
    view = referral_view(referral=referral, data_key=keys.data, identity_key=keys.identity)
    referral_record_read(actor=user, referral=referral, identity=view.identity is not None)
    return render(
        request,
        "cases/referrals/referral_detail.html",
        {"case": case, "view": view, "form": form, "dossier_request_form": DossierRequestForm()},
    )


@staff_view(*MEMBERS)
@require_POST
def case_do_not_remove(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = DoNotRemoveForm(request.POST)
    fallback = reverse("cases:referrals", kwargs={"case_id": case.public_id})
    if form.is_valid() and not is_confirmed(request):
        title = (
            _("Mark case %(reference)s “do not remove”?")
            if form.cleaned_data["do_not_remove"]
            else _("Lift “do not remove” from case %(reference)s?")
        )
        return confirmation_page(
            request,
            title=title % {"reference": case.reference},
            consequence=_(
                "The flag tells immigration liaison whether this person must not be removed from the "
                "country; it shows on the case list and in every dossier prepared from now on."
            ),
            cancel_url=fallback,
        )
    if form.is_valid():
        case_set_do_not_remove(actor=user, case=case, do_not_remove=form.cleaned_data["do_not_remove"])
        messages.success(request, _("The immigration-liaison flag was saved."))
    return redirect(safe_next_url(request, request.POST.get("next"), fallback=fallback))
