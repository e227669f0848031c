from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from longarm.accounts.access import staff_view
from longarm.accounts.models import Role
from longarm.audit.forms import AuditFilterForm
from longarm.audit.references import object_references
from longarm.audit.selectors import audit_events

EVENTS_PER_PAGE = 50


@staff_view(Role.ADMIN)
def events(request: HttpRequest) -> HttpResponse:
    """Who did what to which object, and when; the log holds no content, so neither does this page."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = audit_events(
        actor=filters.get("actor"),
        action_prefix=filters.get("action", ""),
        since=filters.get("since"),
        until=filters.get("until"),
        alerts_only=bool(filters.get("alerts")),
    )
    page = Paginator(found, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    references = object_references(page.object_list)
    rows = [(event, references[event.pk]) for event in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/events.html", {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    )
