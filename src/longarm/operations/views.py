"""/healthz, /readyz and /metrics: for the operator's monitoring, answered only to the addresses in
LONGARM_METRICS_ALLOWED (loopback by default); anyone else gets the site's ordinary "not found"."""

import ipaddress
import json
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from longarm.operations.metrics import exposition
from longarm.operations.probes import readiness

MonitorView = Callable[[HttpRequest], HttpResponse]


def _allowed(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.LONGARM_METRICS_ALLOWED)


def monitoring_only(view: MonitorView) -> MonitorView:
    def guarded(request: HttpRequest) -> HttpResponse:
        if not _allowed(request):
            raise Http404
        return view(request)

    guarded.__name__ = view.__name__
    guarded.__doc__ = view.__doc__
    guarded.longarm_monitoring = True  # type: ignore[attr-defined]  # read by the access matrix
    return guarded


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and answering."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Every check of ``probes.readiness``, 200 when all pass and 503 otherwise."""
    checks = readiness()
    ready = all(check.ok for check in checks)
    body = {
        "ready": ready,
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return HttpResponse(
        json.dumps(body, indent=2) + "\n", content_type="application/json", status=200 if ready else 503
    )


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition."""
    return HttpResponse(
        exposition(multiprocess_dir=settings.METRICS_MULTIPROCESS_DIR),
        content_type="text/plain; version=0.0.4; charset=utf-8",
    )
