"""Console pages of linking: a case's cluster (picture, table, export), asking for access to a linked case,
deciding such requests, and confirming or rejecting a suggested link."""

import csv
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import staff_private_key
from longarm.cases.coding.limits import identifier_limit_message
from longarm.cases.coding.selectors import identifier_for_user
from longarm.cases.exceptions import NoAccess, NotAllowed
from longarm.cases.models import Case
from longarm.cases.selectors import case_for_user, case_keys
from longarm.core.downloads import as_attachment
from longarm.linking.exceptions import (
    AlreadyDecided,
    IdentifierLimitReached,
    IdentifierRefused,
    NotLinked,
    RequestNotAllowed,
)
from longarm.linking.models import Decision
from longarm.linking.picture import cluster_picture
from longarm.linking.selectors import (
    Cluster,
    cluster_of,
    cluster_title,
    request_for_holder,
    requests_for_holder,
    scheme_label,
)
from longarm.linking.services import (
    access_request_create,
    access_request_decide,
    cluster_record_export,
    cluster_record_read,
    link_review,
)
from longarm.linking.suggestions import suggestion_accept, suggestion_dismiss, suggestion_for

MEMBERS = (Role.CASEWORKER, Role.INVESTIGATOR)


def _cluster(request: HttpRequest, case_id: UUID) -> tuple[StaffUser, Case, Cluster]:
    user, private_key = acting_staff(request), staff_private_key(request)
    case = case_for_user(user=user, public_id=case_id)
    cluster = cluster_of(
        case=case, user=user, keys_for=lambda held: case_keys(case=held, user=user, private_key=private_key)
    )
    return user, case, cluster


@staff_view(*MEMBERS)
@require_GET
def cluster(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, case, found = _cluster(request, case_id)
    cluster_record_read(actor=user, case=case, value_shown=found.headline_value is not None)
    labels = {edge.scheme: scheme_label(edge.scheme) for edge in found.edges}
    context = {
        "case": case,
        "cluster": found,
        "title": cluster_title(found),
        "picture": cluster_picture(found, labels=labels) if found.drawn else None,
        "edge_labels": labels,
    }
    return render(request, "linking/cluster.html", context)


@staff_view(*MEMBERS)
@require_GET
def cluster_export(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, case, found = _cluster(request, case_id)
    cluster_record_export(actor=user, case=case, rows=len(found.cases))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    as_attachment(response, "cluster.csv")
    writer = csv.writer(response)
    writer.writerow(
        ["case", "status", "urgency", "reports", "communities", "host_countries", "years", "tactics"]
    )
    for row in found.cases:
        writer.writerow(
            [
                row.number,
                row.status,
                row.urgency,
                row.reports,
                " ".join(row.communities),
                " ".join(row.host_countries),
                " ".join(str(year) for year in row.years),
                " ".join(row.tactics),
            ]
        )
    return response


@staff_view(*MEMBERS)
@require_POST
def access_request_new(request: HttpRequest, case_id: UUID, identifier_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    identifier = identifier_for_user(user=user, case_id=case_id, public_id=identifier_id)
    try:
        created = access_request_create(actor=user, identifier=identifier)
    except RequestNotAllowed:
        messages.error(request, _("There is no linked case to ask for."))
    else:
        sent = ngettext(
            "Your request was sent to the holders of %(count)d linked case.",
            "Your request was sent to the holders of %(count)d linked cases.",
            len(created),
        ) % {"count": len(created)}
        waiting = _("Your request is already waiting for the holders of the linked cases.")
        messages.success(request, sent if created else waiting)
    return redirect("cases:case", case_id=case_id)


@staff_view(*MEMBERS)
@require_GET
def access_requests(request: HttpRequest) -> HttpResponse:
    user = acting_staff(request)
    return render(request, "linking/requests.html", {"requests": requests_for_holder(user=user)})


@staff_view(*MEMBERS)
@require_POST
def access_request_decide_view(request: HttpRequest, request_id: int) -> HttpResponse:
    user = acting_staff(request)
    found = request_for_holder(user=user, request_id=request_id)
    grant = request.POST.get("decision") == "grant"
    try:
        access_request_decide(actor=user, private_key=staff_private_key(request), request=found, grant=grant)
    except (AlreadyDecided, RequestNotAllowed, NotAllowed, NoAccess):
        messages.error(request, _("The request could not be decided."))
    else:
        messages.success(request, _("Access was given.") if grant else _("The request was declined."))
    return redirect("linking:requests")


@staff_view(Role.CASEWORKER)
@require_POST
def link_review_view(request: HttpRequest, case_id: UUID, identifier_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    identifier = identifier_for_user(user=user, case_id=case_id, public_id=identifier_id)
    decision = request.POST.get("decision", "")
    try:
        other = case_for_user(user=user, public_id=UUID(request.POST.get("other", "")))
    except ValueError:
        other = None
    if other is None or decision not in Decision.values:
        messages.error(request, _("Choose a linked case and a decision."))
        return redirect("cases:case", case_id=case_id)
    try:
        link_review(actor=user, identifier=identifier, other=other, decision=Decision(decision))
    except NotLinked:
        messages.error(request, _("These cases share no such identifier."))
    else:
        messages.success(
            request,
            _("The link was confirmed.") if decision == Decision.CONFIRMED else _("The link was rejected."),
        )
    return redirect("cases:case", case_id=case_id)


@staff_view(*MEMBERS)
@require_POST
def suggestion_decide(request: HttpRequest, case_id: UUID, suggestion_id: UUID) -> HttpResponse:
    """Add an identifier a reporter typed to the case, or stop suggesting it (``action``)."""
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    suggestion = suggestion_for(case=case, public_id=suggestion_id)
    action = request.POST.get("action")
    try:
        if action == "add":
            suggestion_accept(
                actor=user, private_key=staff_private_key(request), case=case, suggestion=suggestion
            )
            messages.success(request, _("The identifier was added to the case."))
        elif action == "dismiss":
            suggestion_dismiss(actor=user, case=case, suggestion=suggestion)
            messages.success(request, _("The identifier is no longer suggested."))
        else:
            messages.error(request, _("Choose whether to add the identifier or dismiss it."))
    except NoAccess:
        messages.error(request, _("That report's key is not sealed to you."))
    except IdentifierLimitReached as error:
        messages.error(request, identifier_limit_message(error))
    except IdentifierRefused as refused:
        messages.error(request, refused.message)
    return redirect(reverse("cases:case", kwargs={"case_id": case.public_id}) + "#suggestions")
