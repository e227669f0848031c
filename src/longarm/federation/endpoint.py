"""The HTTP face of :mod:`longarm.federation.server`: no session, no CSRF token (a partner deployment is not
a browser); each request carries its own Ed25519 signature."""

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from longarm.accounts.access import public_view
from longarm.federation.models import Partnership
from longarm.federation.server import handle_request
from longarm.federation.wire import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    MalformedMessage,
    b64,
    request_parse,
    unb64,
)

# A request's fields and a sealed message, and per element a partner may send, its blinded form in base64.
_REQUEST_OVERHEAD_BYTES = 64 * 1024
_BYTES_PER_ELEMENT = 48


def largest_request_bytes() -> int:
    """The largest body any active partnership may send (read before anyone is known): a deployment with no
    partner takes nothing large from anyone."""
    largest = Partnership.objects.filter(active=True).aggregate(largest=Max("largest_set"))["largest"] or 0
    return min(MAX_BODY_BYTES, _REQUEST_OVERHEAD_BYTES + _BYTES_PER_ELEMENT * int(largest))


@public_view
@csrf_exempt
@require_POST
def partner_request(request: HttpRequest, action: str) -> HttpResponse:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return HttpResponse(status=400)
    limit = largest_request_bytes()
    if length > limit:
        return HttpResponse(status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    try:
        signature = unb64(request.headers.get(SIGNATURE_HEADER, ""))
        if request_parse(body).action != action:
            return HttpResponse(status=400)
    except MalformedMessage:
        return HttpResponse(status=400)
    answer = handle_request(body, signature)
    response = HttpResponse(answer.body, status=answer.status_code, content_type="application/json")
    if answer.signature:
        response[SIGNATURE_HEADER] = b64(answer.signature)
    return response
