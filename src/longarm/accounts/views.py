from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.administration import Change, staff_change, two_person_rule
from longarm.accounts.exceptions import (
    ChangeRefused,
    CodesForbidden,
    LoginRefused,
    OffboardingRefused,
    UnheldAfterOffboarding,
)
from longarm.accounts.forms import LoginForm, OffboardForm, PasswordChangeForm
from longarm.accounts.models import ProposalKind, Role, StaffUser
from longarm.accounts.passkeys import ENROLMENT_ONLY
from longarm.accounts.selectors import LISTED_AT_MOST, offboarding_plan, other_active_admins
from longarm.accounts.services import (
    staff_change_password,
    staff_login,
    staff_login_level,
    staff_logout,
)
from longarm.core.middleware import allow_features
from longarm.core.redirects import safe_next_url
from longarm.gate.exceptions import GateRefused
from longarm.gate.services import gate_pass
from longarm.gate.tokens import Purpose
from longarm.gate.widget import gate_widget, refusal_message


@public_view
@allow_features("publickey-credentials-get")
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            level = staff_login_level(username=form.cleaned_data["username"])
            gate_pass(purpose=Purpose.LOGIN, data=request.POST, minimum_level=level)
            staff_login(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                otp_token=form.cleaned_data["otp_token"],
                passkey=form.cleaned_data["passkey"],
            )
        except GateRefused as error:
            form.add_error(None, refusal_message(error))
        except CodesForbidden:
            form.add_error(
                None, _("Your role logs in with a passkey or security key, not a code. Use your key.")
            )
        except LoginRefused:
            form.add_error(
                None, _("Those details did not work. Check them and try again, or wait a few minutes.")
            )
        else:
            if request.session.get(ENROLMENT_ONLY):
                messages.warning(request, _("Your role needs a passkey. Add one now to use the console."))
                return redirect("accounts:security")
            return redirect(safe_next_url(request, request.GET.get("next"), fallback=reverse("cases:home")))
    if form.errors:
        # The error summary takes focus first (core/form_errors.html); two autofocus targets would compete.
        form.fields["username"].widget.attrs.pop("autofocus", None)
    # After failures under the name just tried, the next attempt is offered (and must pay) a higher level.
    username = str(form["username"].value() or "") if form.is_bound else ""
    level = staff_login_level(username=username) if username else 0
    return render(
        request,
        "accounts/login.html",
        {"form": form, "gate": gate_widget(request, Purpose.LOGIN, level=level)},
    )


@public_view
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    staff_logout(request=request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@staff_view(*Role)
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_change_password(
                request=request,
                user=acting_staff(request),
                current=form.cleaned_data["current"],
                new=form.cleaned_data["new"],
            )
        except GateRefused as error:
            form.add_error(None, refusal_message(error))
        except LoginRefused:
            form.add_error("current", _("That is not your current password."))
        except ValidationError as error:
            form.add_error("new", error)
        else:
            messages.success(request, _("Your password is changed."))
            return redirect("cases:home")
    return render(request, "accounts/password_change.html", {"form": form})


def _offboarding_refusal(actor: StaffUser, member: StaffUser) -> str:
    """Why ``member`` cannot be offboarded by ``actor``, shown before any form; empty when they can."""
    if member.offboarded:
        return _("This account is already offboarded.")
    if member.pk == actor.pk:
        return _("You cannot offboard yourself. Ask another administrator.")
    if member.role == Role.ADMIN and not other_active_admins(member).exists():
        return _("This is the last active administrator. Create another administrator first.")
    return ""


@staff_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def staff_offboard_view(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor = acting_staff(request)
    member = get_object_or_404(StaffUser, pk=staff_id)
    refusal = _offboarding_refusal(actor, member)
    plan = None if refusal else offboarding_plan(staff=member)
    form = OffboardForm(request.POST or None, username=member.username, unheld=plan.unheld if plan else 0)
    if plan is not None and request.method == "POST" and form.is_valid():
        change = Change(
            kind=ProposalKind.OFFBOARD, staff=member, accept_unheld=form.cleaned_data["accept_unheld"]
        )
        try:
            outcome = staff_change(actor=actor, change=change)
        except UnheldAfterOffboarding:
            form.add_error(
                None, _("Some cases or reports would be left to the recovery key. Check the list again.")
            )
        except (OffboardingRefused, ChangeRefused) as error:
            # Another administrator acted between the page and the form: say what stands in the way now.
            fallback = _("This account cannot be offboarded now.")
            refusal = _offboarding_refusal(actor, member) or getattr(error, "message", fallback)
        else:
            if outcome.waiting:
                messages.success(
                    request,
                    _(
                        "Offboarding %(username)s is proposed: it takes effect when a second "
                        "administrator approves it."
                    )
                    % {"username": member.username},
                )
                return redirect("accounts:approvals")
            messages.success(request, _("%(username)s is offboarded.") % {"username": member.username})
            return redirect("cases:staff_list")
    cases = plan.unheld_cases[:LISTED_AT_MOST] if plan else []
    reports = plan.unheld_reports[: LISTED_AT_MOST - len(cases)] if plan else []
    context = {
        "member": member,
        "plan": plan,
        "form": form,
        "refusal": refusal,
        "unheld_cases": cases,
        "unheld_reports": reports,
        "not_listed": (plan.unheld if plan else 0) - len(cases) - len(reports),
        "rule": two_person_rule(),
    }
    return render(request, "accounts/staff_offboard.html", context)
