from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.exceptions import LoginRefused
from longarm.accounts.forms import LoginForm, PasswordChangeForm
from longarm.accounts.models import Role
from longarm.accounts.services import staff_change_password, staff_login, staff_logout
from longarm.core.redirects import safe_next_url


@public_view
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_login(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                otp_token=form.cleaned_data["otp_token"],
            )
        except LoginRefused:
            form.add_error(
                None, _("Those details did not work. Check them and try again, or wait a few minutes.")
            )
        else:
            return redirect(safe_next_url(request, request.GET.get("next"), fallback=reverse("cases:home")))
    return render(request, "accounts/login.html", {"form": form})


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
        except LoginRefused:
            form.add_error("current", _("That is not your current password."))
        except ValidationError as error:
            form.add_error("new", error)
        else:
            messages.success(request, _("Your password is changed."))
            return redirect("cases:home")
    return render(request, "accounts/password_change.html", {"form": form})
