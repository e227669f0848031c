import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from longarm.crypto.errors import DecryptionError

logger = logging.getLogger(__name__)


# Every powerful browser feature off, for every response (pages, static files, errors): no page of ours needs
# them, and a script injected into one must not reach the camera, the microphone or the reporter's location.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


# Set on a response by ``allow_features``: the features its page may use, from this origin only.
ALLOWED_FEATURES_ATTRIBUTE = "longarm_allowed_features"


def permissions_policy(allowed: frozenset[str] = frozenset()) -> str:
    """The policy with every feature off but ``allowed``, which this origin alone may use."""
    return (
        PERMISSIONS_POLICY
        if not allowed
        else ", ".join(
            f"{item.split('=')[0]}=(self)" if item.split("=")[0] in allowed else item
            for item in PERMISSIONS_POLICY.split(", ")
        )
    )


def allow_features[V: Callable[..., HttpResponse]](*features: str) -> Callable[[V], V]:
    """Let the pages of a view use ``features`` (the passkey pages: ``publickey-credentials-get``,
    ``publickey-credentials-create``), from this origin only; every other page keeps them off."""
    unknown = set(features) - {item.split("=")[0] for item in PERMISSIONS_POLICY.split(", ")}
    if unknown:
        raise ValueError(f"not in the permissions policy: {sorted(unknown)}")

    def decorate(view: V) -> V:
        @wraps(view)
        def allowing(*args: Any, **kwargs: Any) -> HttpResponse:
            response = view(*args, **kwargs)
            setattr(response, ALLOWED_FEATURES_ATTRIBUTE, frozenset(features))
            return response

        return allowing  # type: ignore[return-value]  # same signature as ``view``

    return decorate


class PermissionsPolicyMiddleware:
    """First in the stack, so that it covers static files too (WhiteNoise answers before later middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Permissions-Policy"] = permissions_policy(
            getattr(response, ALLOWED_FEATURES_ATTRIBUTE, frozenset())
        )
        return response


class NoStoreMiddleware:
    """Nothing Longarm serves may be kept by a browser or proxy cache (static files: ``core.static_headers``).

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


class MethodNotAllowedPageMiddleware:
    """A page for an address opened that only receives forms (``/mailbox/files/`` typed in, or reloaded after
    an upload broke): Django answers 405 with an empty body, a blank page. Here it gets a page of the site,
    in the visitor's language, with the way back; the status and its ``Allow`` header stay. Not for the API,
    whose clients read the status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.method != "GET" or request.path.startswith("/api/"):
            return response
        page = render(request, "core/method_not_allowed.html", status=405)
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page


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
