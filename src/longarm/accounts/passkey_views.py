"""The console's passkey pages: a staff member's security page (enrol, list, remove), the challenges the
browser signs, and the administrator's choice of second factors per role."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.exceptions import PasskeyRefused
from longarm.accounts.forms import PasskeyAddForm, SecondFactorPolicyForm
from longarm.accounts.models import Role, SecondFactorPolicy, StaffUser
from longarm.accounts.passkeys import (
    ENROLMENT_ONLY,
    passkey_login_options,
    passkey_register,
    passkey_registration_options,
    passkey_remove,
    passkeys_for,
    second_factor_policy_set,
    totp_allowed,
    verified_by_code,
)
from longarm.accounts.services import staff_logout
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.core.middleware import allow_features


@public_view
@require_POST
def passkey_login_options_view(request: HttpRequest) -> JsonResponse:
    """A challenge for the log-in page's passkey button; it names no account."""
    return JsonResponse(passkey_login_options(request=request))


@staff_view(*Role, enrolment=True)
@require_POST
def passkey_registration_options_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(passkey_registration_options(request=request, user=acting_staff(request)))


@staff_view(*Role, enrolment=True)
@allow_features("publickey-credentials-create")
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    user = acting_staff(request)
    form = PasskeyAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passkey_register(
                request=request,
                user=user,
                name=form.cleaned_data["name"],
                response=form.cleaned_data["credential"],
            )
        except PasskeyRefused:
            form.add_error(None, _("The passkey could not be added. Try again, or try another key."))
        else:
            messages.success(request, _("Your passkey is added. Use it the next time you log in."))
            return redirect("accounts:security")
    context = {
        "form": form,
        "passkeys": passkeys_for(user=user),
        "totp_allowed": totp_allowed(role=user.role),
        "enrolment_only": bool(request.session.get(ENROLMENT_ONLY)),
    }
    return render(request, "accounts/security.html", context)


@staff_view(*Role)
@require_POST
def passkey_remove_view(request: HttpRequest, passkey_id: int) -> HttpResponse:
    user = acting_staff(request)
    device = passkeys_for(user=user).filter(pk=passkey_id).first()
    if device is None:
        raise Http404
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Remove the passkey “%(name)s”?") % {"name": device.name},
            consequence=_("You can no longer log in with it. Keep at least one way to log in."),
            cancel_url=reverse("accounts:security"),
        )
    passkey_remove(actor=user, device=device)
    messages.success(request, _("The passkey is removed."))
    return redirect("accounts:security")


@staff_view(Role.ADMIN)
@require_POST
def staff_passkeys_remove(request: HttpRequest, staff_id: int) -> HttpResponse:
    """An administrator removes every passkey of someone who lost theirs; they then log in with a code."""
    member = get_object_or_404(StaffUser, pk=staff_id)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Remove every passkey of %(username)s?") % {"username": member.username},
            consequence=_(
                "They can then log in only with a code from their authenticator app, and must enrol a new "
                "passkey if their role requires one. Do this only when they have lost their keys."
            ),
            cancel_url=reverse("accounts:second_factors"),
        )
    for device in passkeys_for(user=member):
        passkey_remove(actor=acting_staff(request), device=device)
    messages.success(request, _("The passkeys of %(username)s are removed.") % {"username": member.username})
    return redirect("accounts:second_factors")


@staff_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def second_factors(request: HttpRequest) -> HttpResponse:
    """Which roles may log in with an authenticator-app code; the others need a passkey."""
    allowed = dict(SecondFactorPolicy.objects.values_list("role", "totp_allowed"))
    form = SecondFactorPolicyForm(request.POST or None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        actor = acting_staff(request)
        for role in Role:
            if form.cleaned_data[role.value] != allowed.get(role.value, True):
                second_factor_policy_set(
                    actor=actor,
                    role=role,
                    totp_allowed=form.cleaned_data[role.value],
                    keep_session=request.session.session_key,
                )
        if verified_by_code(request) and not totp_allowed(role=actor.role):
            # The rule just made ends this session too, like every other one a code opened for the role.
            staff_logout(request=request)
            messages.info(request, _("The second factors are saved. Log in again with your passkey."))
            return redirect("accounts:login")
        messages.success(request, _("The second factors are saved."))
        return redirect("accounts:second_factors")
    staff = StaffUser.objects.filter(is_active=True, webauthncredential__isnull=False).distinct()
    return render(
        request, "accounts/second_factors.html", {"form": form, "with_passkeys": staff.order_by("username")}
    )
