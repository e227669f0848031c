"""A confirmation step for destructive staff actions (closing a case, revoking an attestation, …).

The action's own form posts as before; without ``confirmed=yes`` in the POST, the view answers with a page
that says what will happen and re-posts the same fields with a box to tick. A GET never reaches these views
(``require_POST``), and a crawler that submits every form it finds with its default values does not tick the
box: a security scanner run while logged in closed every case in minutes before this step existed.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"
_NOT_REPOSTED = frozenset({"csrfmiddlewaretoken", CONFIRM_FIELD})


def confirm_box_context(cancel_url: str) -> dict[str, str]:
    """What ``core/_confirm_box.html`` (the box to tick, Confirm and Cancel) needs, for a confirmation page
    of a view's own that lists what it will do."""
    return {"confirm_field": CONFIRM_FIELD, "confirm_value": CONFIRM_VALUE, "cancel_url": cancel_url}


def is_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirmation_page(request: HttpRequest, *, title: str, consequence: str, cancel_url: str) -> HttpResponse:
    """The page asking to confirm the POST just received: same URL, same fields, plus the ticked box."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_REPOSTED
        for value in values
    ]
    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "consequence": consequence,
            "action": request.path,
            "fields": fields,
            **confirm_box_context(cancel_url),
        },
    )
