from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A translated, friendly page instead of Django's technical 403 when a form has gone stale."""
    return render(request, "core/csrf_failure.html", status=403)
