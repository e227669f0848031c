"""Console pages of federated linking: the administrators' page (partners, waiting changes, runs,
partners' messages), proposing and deciding partnership changes, running an intersection, and a
caseworker's "contact the partner" about one identifier of a case they hold."""

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Proposal, ProposalKind, Role
from longarm.cases.coding.selectors import identifier_for_user
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.federation.client import federation_run
from longarm.federation.exceptions import PartnerUnreachable, RunRefused, TermsRefused
from longarm.federation.forms import PartnershipForm
from longarm.federation.models import Partnership
from longarm.federation.refusals import refusal_text
from longarm.federation.selectors import (
    partner_messages,
    partnership_by_public_id,
    partnerships,
    recent_runs,
    waiting_changes,
)
from longarm.federation.services import (
    partner_contact,
    partnership_approve,
    partnership_propose,
    partnership_reject,
)
from longarm.federation.terms import Terms

CONTACTING = (Role.CASEWORKER, Role.INVESTIGATOR)


def _partnership(partnership_id: UUID) -> Partnership:
    partnership = partnership_by_public_id(partnership_id)
    if partnership is None:
        raise Http404
    return partnership


@staff_view(Role.ADMIN)
def federation_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "federation/page.html",
        {
            "partnerships": partnerships(),
            "changes": waiting_changes(),
            "runs": recent_runs(),
            "partner_messages": partner_messages(),
            "user_id": acting_staff(request).pk,
        },
    )


def _propose(request: HttpRequest, partnership: Partnership | None) -> HttpResponse:
    form = PartnershipForm(
        request.POST or None, initial=Terms.of(partnership).as_json() if partnership else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = partnership_propose(
                actor=acting_staff(request), terms=form.terms(), partnership=partnership
            )
        except TermsRefused as error:
            form.add_error(error.field or None, str(error))
        else:
            messages.success(
                request,
                _("The change waits for a second administrator's approval.")
                if outcome.proposal
                else _("The partnership is saved."),
            )
            return redirect("federation:page")
    return render(request, "federation/partnership_form.html", {"form": form, "partnership": partnership})


@staff_view(Role.ADMIN)
def partnership_new(request: HttpRequest) -> HttpResponse:
    return _propose(request, None)


@staff_view(Role.ADMIN)
def partnership_edit(request: HttpRequest, partnership_id: UUID) -> HttpResponse:
    return _propose(request, _partnership(partnership_id))


@staff_view(Role.ADMIN)
@require_POST
def proposal_decide(request: HttpRequest, proposal_id: UUID) -> HttpResponse:
    proposal = Proposal.objects.filter(public_id=proposal_id, kind=ProposalKind.PARTNERSHIP).first()
    if proposal is None:
        raise Http404
    actor = acting_staff(request)
    try:
        if request.POST.get("decision") == "approve":
            partnership_approve(actor=actor, proposal=proposal, digest=request.POST.get("digest", ""))
            messages.success(request, _("The partnership change is made."))
        else:
            partnership_reject(actor=actor, proposal=proposal)
            messages.success(request, _("The proposal is closed."))
    except TermsRefused as error:
        messages.error(request, str(error))
    return redirect("federation:page")


@staff_view(Role.ADMIN)
@require_POST
def partnership_run(request: HttpRequest, partnership_id: UUID) -> HttpResponse:
    partnership = _partnership(partnership_id)
    try:
        result = federation_run(partnership=partnership, actor=acting_staff(request))
    except RunRefused as error:
        messages.error(request, refusal_text(error.code))
    except PartnerUnreachable:
        messages.error(request, _("The partner could not be reached, or its answer could not be used."))
    else:
        messages.success(
            request,
            _("The run is done: %(common)s identifiers in common.") % {"common": result.figures.common},
        )
    return redirect("federation:page")


@staff_view(*CONTACTING)
@require_POST
def partner_contact_view(
    request: HttpRequest, case_id: UUID, identifier_id: UUID, partnership_id: UUID
) -> HttpResponse:
    identifier = identifier_for_user(user=acting_staff(request), case_id=case_id, public_id=identifier_id)
    partnership = _partnership(partnership_id)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Contact the partner"),
            consequence=_(
                "%(partner)s's administrators will receive this identifier, and nothing else of the case. "
                "Their caseworkers decide what, if anything, to share next."
            )
            % {"partner": partnership.name},
            cancel_url=reverse("cases:case", args=[case_id]),
        )
    try:
        partner_contact(actor=acting_staff(request), identifier=identifier, partnership=partnership)
    except RunRefused as error:
        messages.error(request, refusal_text(error.code))
    except PartnerUnreachable:
        messages.error(request, _("The partner could not be reached. Try again later."))
    else:
        messages.success(
            request, _("The partner's administrators were sent this identifier, and nothing else.")
        )
    return redirect("cases:case", case_id=case_id)
