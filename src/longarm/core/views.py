import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi
from django.views.i18n import set_language

from longarm.core.redirects import safe_next_url


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A translated, friendly page instead of Django's technical 403 when a form has gone stale."""
    return render(request, "core/csrf_failure.html", status=403)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A page of the site in the visitor's language instead of Django's bare "Bad Request (400)", for a
    request that could not be read at all: most often a form sent with more files than one may carry."""
    return render(
        request, "core/bad_request.html", {"max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES}, status=400
    )


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


# Seconds a client is asked to wait before trying again when the database could not be reached.
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, rendered like Django's own (no request context: the database or the session may be
    what failed), in the visitor's language. When the database could not be reached or dropped the connection
    mid-request (restarted, failed over), the answer is 503 with ``Retry-After``: the transaction was rolled
    back, nothing half-written stays, and the same page asks the reporter to try again in a few minutes."""
    error = sys.exc_info()[1]
    unavailable = isinstance(error, OperationalError | InterfaceError)
    page = loader.get_template("500.html").render(
        {
            "LANGUAGE_CODE": get_language(),
            "LANGUAGE_BIDI": get_language_bidi(),
            "quick_exit_url": settings.LONGARM_QUICK_EXIT_URL,
        }
    )
    response = HttpResponse(page, status=503 if unavailable else 500)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
