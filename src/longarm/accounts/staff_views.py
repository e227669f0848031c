"""Staff administration pages: add a member, a member's page (role, second factor), pending approvals, and
the one-time enrolment link a new member opens. The rules live in ``accounts.administration``."""

from base64 import b32encode
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.administration import (
    Change,
    Outcome,
    proposal_approve,
    proposal_reject,
    staff_change,
    staff_reset_second_factor,
    two_person_rule,
)
from longarm.accounts.enrolment import (
    authenticator_svg,
    enrolment_complete,
    enrolment_device,
    enrolment_for_token,
)
from longarm.accounts.exceptions import ChangeRefused, EnrolmentRefused
from longarm.accounts.forms import AddMemberForm, EnrolForm, RoleForm
from longarm.accounts.models import ProposalKind, Role, StaffUser
from longarm.accounts.selectors import (
    RECENT_DAYS,
    proposal_for_admin,
    proposals_recent,
    proposals_waiting,
    second_person_exists,
    staff_member,
)
from longarm.core.confirm import confirmation_page, is_confirmed


def _link_page(request: HttpRequest, member: StaffUser, token: str, *, reset: bool) -> HttpResponse:
    """The one-time enrolment link, shown to the administrator whose act made it, only in this response."""
    link = request.build_absolute_uri(reverse("accounts:enrol", args=[token]))
    expires = timezone.now() + timedelta(hours=settings.LONGARM_ENROLMENT_HOURS)
    context = {"member": member, "link": link, "expires": expires, "reset": reset}
    return render(request, "accounts/enrolment_link.html", context)


def _outcome_response(request: HttpRequest, outcome: Outcome, done: str) -> HttpResponse:
    if outcome.waiting:
        messages.success(
            request,
            _("Proposed. It takes effect when a second administrator approves it on Pending approvals."),
        )
        return redirect("accounts:approvals")
    if outcome.enrolment_token and outcome.staff is not None:
        return _link_page(request, outcome.staff, outcome.enrolment_token, reset=False)
    messages.success(request, done)
    return (
        redirect("accounts:staff_member", staff_id=outcome.staff.pk)
        if outcome.staff
        else redirect("cases:staff_list")
    )


@never_cache
@staff_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def staff_add(request: HttpRequest) -> HttpResponse:
    form = AddMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = Change(kind=ProposalKind.ADD_MEMBER, username=data["username"], role=data["role"])
        try:
            outcome = staff_change(actor=acting_staff(request), change=change)
        except ChangeRefused as error:
            form.add_error(error.field, error.message)
        else:
            return _outcome_response(request, outcome, _("Added."))
    return render(request, "accounts/staff_add.html", {"form": form, "rule": two_person_rule()})


@staff_view(Role.ADMIN)
@require_http_methods(["GET"])
def staff_member_view(request: HttpRequest, staff_id: int) -> HttpResponse:
    member = staff_member(staff_id=staff_id)
    context = {
        "member": member,
        "enrolment": getattr(member, "enrolment", None),
        "form": RoleForm(initial={"role": ""}),
        "own": member.pk == acting_staff(request).pk,
        "waiting": [p for p in proposals_waiting(user=acting_staff(request)) if p.staff_id == member.pk],
        "rule": two_person_rule(),
    }
    return render(request, "accounts/staff_member.html", context)


@staff_view(Role.ADMIN)
@require_POST
def staff_role(request: HttpRequest, staff_id: int) -> HttpResponse:
    member = staff_member(staff_id=staff_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        context = {"member": member, "form": form, "rule": two_person_rule(), "waiting": []}
        return render(request, "accounts/staff_member.html", context, status=400)
    role = Role(form.cleaned_data["role"])
    if not is_confirmed(request):
        consequence = _("The role of %(username)s becomes %(role)s.") % {
            "username": member.username,
            "role": role.label,
        }
        if two_person_rule():
            consequence += " " + _("A second administrator must approve it before it takes effect.")
        return confirmation_page(
            request,
            title=_("Change the role of %(username)s") % {"username": member.username},
            consequence=consequence,
            cancel_url=reverse("accounts:staff_member", args=[member.pk]),
        )
    try:
        outcome = staff_change(
            actor=acting_staff(request), change=Change(kind=ProposalKind.ROLE, staff=member, role=role)
        )
    except ChangeRefused as error:
        messages.error(request, error.message)
        return redirect("accounts:staff_member", staff_id=member.pk)
    return _outcome_response(request, outcome, _("The role is changed."))


@never_cache
@staff_view(Role.ADMIN)
@require_POST
def staff_second_factor(request: HttpRequest, staff_id: int) -> HttpResponse:
    member = staff_member(staff_id=staff_id)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Reset the second factor of %(username)s") % {"username": member.username},
            consequence=_(
                "Their authenticator stops working and every session of theirs ends now. You get a one-time "
                "link with which they enrol a new authenticator, using their own password."
            ),
            cancel_url=reverse("accounts:staff_member", args=[member.pk]),
        )
    try:
        token = staff_reset_second_factor(actor=acting_staff(request), staff=member)
    except ChangeRefused as error:
        messages.error(request, error.message)
        return redirect("accounts:staff_member", staff_id=member.pk)
    return _link_page(request, member, token, reset=bool(bytes(member.private_key_locked)))


@staff_view(Role.ADMIN, Role.CUSTODIAN)
def approvals(request: HttpRequest) -> HttpResponse:
    user = acting_staff(request)
    context = {
        "proposals": list(proposals_waiting(user=user)),
        "recent": list(proposals_recent(user=user)),
        "recent_days": RECENT_DAYS,
        "rule": two_person_rule(),
        "alone": two_person_rule() and not second_person_exists(user=user),
        "hours": settings.LONGARM_PROPOSAL_HOURS,
    }
    return render(request, "accounts/approvals.html", context)


@never_cache
@staff_view(Role.ADMIN)
@require_POST
def approval_decide(request: HttpRequest, public_id: UUID, decision: str) -> HttpResponse:
    proposal = proposal_for_admin(public_id=public_id)
    if not is_confirmed(request):
        title = _("Approve this change") if decision == "approve" else _("Reject this change")
        consequence = (
            _("The change takes effect now, made by you as the second administrator.")
            if decision == "approve"
            else _("The change is dropped. It can be proposed again.")
        )
        return confirmation_page(
            request, title=title, consequence=consequence, cancel_url=reverse("accounts:approvals")
        )
    user = acting_staff(request)
    try:
        if decision == "approve":
            outcome = proposal_approve(actor=user, proposal=proposal)
        else:
            proposal_reject(actor=user, proposal=proposal)
            messages.success(request, _("The proposal is closed."))
            return redirect("accounts:approvals")
    except ChangeRefused as error:
        messages.error(request, error.message)
        return redirect("accounts:approvals")
    return _outcome_response(request, outcome, _("Approved: the change is made."))


def _enrolment_refusal(reason: str) -> tuple[str | None, str]:
    """The field to mark and the message for an ``EnrolmentRefused`` reason."""
    if reason == "code":
        return "otp_token", _("That code did not match. Check the app's clock and try a new code.")
    if reason == "password":
        return "password", _("That is not your password.")
    return None, _("This link was used or has lapsed. Ask an administrator for a new one.")


def _expiry(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    enrolment = enrolment_for_token(token=token)
    if enrolment is None:
        return render(request, "accounts/enrol_unknown.html", status=404)
    form = EnrolForm(request.POST or None, new_account=enrolment.new_account)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_complete(
                request=request,
                enrolment=enrolment,
                password=form.cleaned_data["password"],
                otp_token=form.cleaned_data["otp_token"],
            )
        except EnrolmentRefused as error:
            form.add_error(*_enrolment_refusal(str(error)))
        except ValidationError as error:
            form.add_error("password", error)
        else:
            messages.success(request, _("Your authenticator is set up and you are logged in."))
            return redirect("cases:home")
    device = enrolment_device(enrolment)
    context = {
        "form": form,
        "member": enrolment.staff,
        "new_account": enrolment.new_account,
        "qr_svg": authenticator_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode(),
        "expires": _expiry(enrolment.expires_at),
    }
    return render(request, "accounts/enrol.html", context)
