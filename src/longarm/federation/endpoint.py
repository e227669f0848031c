"""The HTTP face of :mod:`longarm.federation.server`: no session, no CSRF token (a partner deployment is not
a browser); each request carries its own Ed25519 signature."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from longarm.accounts.access import public_view
from longarm.federation.server import handle_request
from longarm.federation.wire import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    MalformedMessage,
    b64,
    request_parse,
    unb64,
)


@public_view
@csrf_exempt
@require_POST
def partner_request(request: HttpRequest, action: str) -> HttpResponse:
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    body = request.read(MAX_BODY_BYTES + 1)
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
