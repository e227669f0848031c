from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import CONTENT_ROLES
from longarm.accounts.services import staff_private_key
from longarm.api.forms import TokenForm
from longarm.api.selectors import token_for_user, tokens_for_user
from longarm.api.services import api_token_create, api_token_revoke


@staff_view(*CONTENT_ROLES)
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """A token is made only here, from a session that passed the second factor and holds the unlocked key;
    its secret is on this one response and nowhere else."""
    user = acting_staff(request)
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = api_token_create(
            user=user,
            private_key=staff_private_key(request),
            label=form.cleaned_data["label"],
            scopes=form.cleaned_data["scopes"],
            session_key=request.session.session_key if form.cleaned_data["bind_session"] else None,
        )
        form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {"form": form, "created": created, "tokens": tokens_for_user(user=user)},
    )


@staff_view(*CONTENT_ROLES)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = acting_staff(request)
    api_token_revoke(actor=user, token=token_for_user(user=user, token_id=token_id))
    messages.success(request, _("The token is revoked. Programs using it are refused from now on."))
    return redirect("api_tokens:tokens")
