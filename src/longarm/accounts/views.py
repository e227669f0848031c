from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.exceptions import LoginRefused
from longarm.accounts.forms import LoginForm, PasswordChangeForm
from longarm.accounts.models import Role
from longarm.accounts.services import staff_change_password, staff_login, staff_login_level, staff_logout
from longarm.gate.exceptions import GateRefused
from longarm.gate.services import gate_pass
from longarm.gate.tokens import Purpose
from longarm.gate.widget import gate_widget, refusal_message


@public_view
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
            )
        except GateRefused as error:
            form.add_error(None, refusal_message(error))
        except LoginRefused:
            form.add_error(
                None, _("Those details did not work. Check them and try again, or wait a few minutes.")
            )
        else:
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = ""
            return redirect(target or "cases:home")
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
