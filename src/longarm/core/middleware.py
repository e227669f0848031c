import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from longarm.crypto.errors import DecryptionError

logger = logging.getLogger(__name__)


class NoStoreMiddleware:
    """Nothing Longarm serves, other than static assets, may be kept by a browser or proxy cache.

    A shared family device or a seized phone must not hold a copy of a report page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class IntegrityErrorMiddleware:
    """A ciphertext that fails authentication (tampered with, or sealed to another key) gets a clear page,
    never garbage and never a raw traceback. The log names only the path, no content."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DecryptionError):
            return None
        logger.error("Stored ciphertext failed its integrity check at %s", request.path)
        return render(request, "core/integrity_error.html", status=500)
