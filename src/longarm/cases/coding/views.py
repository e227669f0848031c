from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.accounts.services import staff_private_key
from longarm.cases.coding.forms import (
    IdentifierForm,
    IncidentForm,
    PersonForm,
    incident_initial,
    person_initial,
)
from longarm.cases.coding.limits import identifier_limit_message
from longarm.cases.coding.selectors import (
    identifier_for_user,
    incident_description,
    incident_for_user,
    person_content,
    person_for_user,
)
from longarm.cases.coding.services import (
    identifier_add,
    identifier_delete,
    incident_create,
    incident_update,
    person_create,
    person_update,
)
from longarm.cases.exceptions import NotAllowed
from longarm.cases.models import IdentifierKind
from longarm.cases.selectors import case_for_user, case_keys
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.linking.exceptions import IdentifierLimitReached, IdentifierRefused

MEMBERS = (Role.CASEWORKER, Role.INVESTIGATOR)


@staff_view(*MEMBERS)
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = IncidentForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        incident_create(actor=user, private_key=staff_private_key(request), case=case, data=form.to_input())
        messages.success(request, _("The incident was recorded."))
        return redirect("cases:case", case_id=case_id)
    return render(request, "cases/incident_form.html", {"case": case, "form": form, "incident": None})


@staff_view(*MEMBERS)
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, case_id: UUID, incident_id: UUID) -> HttpResponse:
    user, private_key = acting_staff(request), staff_private_key(request)
    incident = incident_for_user(user=user, case_id=case_id, public_id=incident_id)
    case = incident.case
    keys = case_keys(case=case, user=user, private_key=private_key)
    initial = incident_initial(incident, incident_description(incident=incident, keys=keys))
    form = IncidentForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        incident_update(actor=user, private_key=private_key, incident=incident, data=form.to_input())
        messages.success(request, _("The incident was saved."))
        return redirect("cases:case", case_id=case_id)
    return render(request, "cases/incident_form.html", {"case": case, "form": form, "incident": incident})


@staff_view(*MEMBERS)
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, private_key = acting_staff(request), staff_private_key(request)
    case = case_for_user(user=user, public_id=case_id)
    holder = case_keys(case=case, user=user, private_key=private_key).identity is not None
    form = PersonForm(request.POST or None, identity_holder=holder)
    if request.method == "POST" and form.is_valid():
        person_create(actor=user, private_key=private_key, case=case, data=form.to_input())
        messages.success(request, _("The person was added."))
        return redirect("cases:case", case_id=case_id)
    return render(request, "cases/person_form.html", {"case": case, "form": form, "holder": holder})


@staff_view(*MEMBERS)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, case_id: UUID, person_id: UUID) -> HttpResponse:
    user, private_key = acting_staff(request), staff_private_key(request)
    person = person_for_user(user=user, case_id=case_id, public_id=person_id)
    keys = case_keys(case=person.case, user=user, private_key=private_key)
    details, identity = person_content(person=person, keys=keys)
    form = PersonForm(
        request.POST or None,
        identity_holder=identity is not None,
        initial=person_initial(person, details, identity),
    )
    if request.method == "POST" and form.is_valid():
        try:
            person_update(actor=user, private_key=private_key, person=person, data=form.to_input())
        except NotAllowed:
            form.add_error(
                "role", _("Only a holder of the identity key can change the role of a named person.")
            )
        else:
            messages.success(request, _("The person was saved."))
            return redirect("cases:case", case_id=case_id)
    context = {"case": person.case, "form": form, "holder": identity is not None, "person": person}
    return render(request, "cases/person_form.html", context)


@staff_view(*MEMBERS)
@require_POST
def identifier_new(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = IdentifierForm(request.POST, case=case)
    if form.is_valid():
        try:
            identifier_add(
                actor=user,
                private_key=staff_private_key(request),
                case=case,
                kind=IdentifierKind(form.cleaned_data["kind"]),
                value=form.cleaned_data["value"],
                person=form.chosen_person(),
            )
        except IdentifierLimitReached as limit:
            messages.error(request, identifier_limit_message(limit))
        except IdentifierRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("The identifier was added."))
    else:
        messages.error(request, _("The identifier was not added: choose its kind and type its value."))
    return redirect("cases:case", case_id=case_id)


@staff_view(*MEMBERS)
@require_POST
def identifier_remove(request: HttpRequest, case_id: UUID, identifier_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    identifier = identifier_for_user(user=user, case_id=case_id, public_id=identifier_id)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Delete this identifier?"),
            consequence=_(
                "The identifier is deleted from the case and no longer links it to other cases and reports. "
                "It cannot be restored; it can only be typed in again."
            ),
            cancel_url=reverse("cases:case", kwargs={"case_id": case_id}),
        )
    identifier_delete(actor=user, identifier=identifier)
    messages.success(request, _("The identifier was removed."))
    return redirect("cases:case", case_id=case_id)
