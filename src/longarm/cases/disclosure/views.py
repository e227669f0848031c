from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.administration import two_person_rule
from longarm.accounts.models import Role
from longarm.accounts.selectors import second_person_exists
from longarm.accounts.services import staff_private_key
from longarm.cases.disclosure.forms import DisclosureRequestForm
from longarm.cases.disclosure.selectors import (
    RequestView,
    first_approvals,
    identity_for_staff,
    own_requests,
    pending_for_custodian,
    request_for_custodian,
)
from longarm.cases.disclosure.services import (
    disclosure_approve,
    disclosure_deny,
    disclosure_record_reason_read,
    disclosure_request,
    report_record_identity_read,
)
from longarm.cases.exceptions import NoAccess, NotAllowed, SecondCustodianNeeded
from longarm.cases.models import DisclosureStatus
from longarm.intake.models import Report
from longarm.intake.selectors import report_for_staff


@dataclass(frozen=True)
class IdentityPanel:
    """What the report page shows about the identity fields: them, if disclosed, or how to ask."""

    report: Report
    identity: dict[str, Any] | None
    requests: list[RequestView]
    form: DisclosureRequestForm

    @property
    def pending(self) -> bool:
        return any(view.request.status == DisclosureStatus.PENDING for view in self.requests)


def report_identity_panel(request: HttpRequest, report: Report) -> IdentityPanel:
    """For the report page (cases:report), whose view has already checked the report is sealed to the user:
    render it with ``{% include "cases/disclosure/_report_panel.html" with panel=disclosure %}``."""
    user, private_key = acting_staff(request), staff_private_key(request)
    identity = identity_for_staff(user=user, private_key=private_key, report=report)
    if identity is not None:
        report_record_identity_read(actor=user, report=report)
    return IdentityPanel(
        report=report,
        identity=identity,
        requests=own_requests(user=user, private_key=private_key, report=report),
        form=DisclosureRequestForm(),
    )


@staff_view(Role.CASEWORKER, Role.INVESTIGATOR)
@require_POST
def disclosure_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    report, _sealed = report_for_staff(user=user, public_id=public_id)
    form = DisclosureRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["reason"]))
    else:
        try:
            disclosure_request(
                actor=user,
                private_key=staff_private_key(request),
                report=report,
                reason=form.cleaned_data["reason"],
            )
        except NotAllowed:
            messages.error(request, _("You already hold these fields or have a request waiting."))
        else:
            messages.success(request, _("Your request was sent to the custodians."))
    return redirect("cases:report", public_id=report.public_id)


@staff_view(Role.CUSTODIAN)
def disclosure_queue(request: HttpRequest) -> HttpResponse:
    user = acting_staff(request)
    pending = pending_for_custodian(user=user, private_key=staff_private_key(request))
    for view in pending:
        disclosure_record_reason_read(actor=user, request=view.request)
    first = first_approvals(requests=[view.request for view in pending])
    context = {
        "pending": [(view, first.get(view.request.pk)) for view in pending],
        "rule": two_person_rule(),
        "alone": two_person_rule() and not second_person_exists(user=user),
    }
    return render(request, "cases/disclosure/queue.html", context)


@staff_view(Role.CUSTODIAN)
@require_POST
def disclosure_decide(request: HttpRequest, public_id: UUID, decision: str) -> HttpResponse:
    user = acting_staff(request)
    disclosure = request_for_custodian(user=user, public_id=public_id)
    try:
        if decision == "approve":
            private_key = staff_private_key(request)
            decided = disclosure_approve(actor=user, private_key=private_key, request=disclosure)
            if decided.status == DisclosureStatus.APPROVED:
                messages.success(request, _("Approved: the identity key was sealed to the requester."))
            else:
                messages.success(
                    request,
                    _(
                        "Your approval is recorded. The identity key is sealed to the requester when a "
                        "second custodian approves too."
                    ),
                )
        else:
            disclosure_deny(actor=user, request=disclosure)
            messages.success(request, _("The request was denied."))
    except SecondCustodianNeeded:
        messages.error(request, _("You gave the first approval: a second custodian must approve."))
    except NotAllowed:
        messages.error(request, _("This request was already decided, or you may not decide it."))
    except NoAccess:
        messages.error(request, _("The identity key of this report is not sealed to you."))
    return redirect("cases:disclosure_queue")
