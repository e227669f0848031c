from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from longarm.accounts.access import public_view
from longarm.gate.pressure import pressure_level
from longarm.gate.tokens import Purpose, clamp_level, pow_challenge


@public_view
@require_GET
def challenge(request: HttpRequest, purpose: str) -> JsonResponse:
    """A fresh ALTCHA challenge, as the widget fetches it. ``level`` may only ask for a harder one."""
    try:
        chosen = Purpose(purpose)
    except ValueError as error:
        raise Http404 from error
    try:
        asked = int(request.GET.get("level", "0"))
    except ValueError:
        asked = 0
    level = clamp_level(max(asked, pressure_level(chosen)))
    return JsonResponse(pow_challenge(purpose=chosen, level=level))
