from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.i18n import set_language

from longarm.core.redirects import safe_next_url


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A translated, friendly page instead of Django's technical 403 when a form has gone stale."""
    return render(request, "core/csrf_failure.html", status=403)


def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (a POST from the switcher on every page sets the language cookie, nothing
    else), returning to the page named in ``next`` only if ``safe_next_url`` accepts it, else to the home
    page; the Referer header is never followed."""
    fallback = reverse("intake:home")
    checked = request.POST.copy()
    checked["next"] = safe_next_url(
        request, request.POST.get("next", request.GET.get("next")), fallback=fallback
    )
    request.POST = checked  # type: ignore[assignment]  # a mutable copy, read by set_language as ever
    response: HttpResponse = set_language(request)
    return response
