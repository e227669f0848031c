import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language_bidi

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.analytics.forms import DashboardForm
from longarm.analytics.publication.disclosure import protect
from longarm.analytics.publication.formats import table_content, table_csv
from longarm.analytics.selectors import TABLE_KEYS, UNFILTERED_TABLES, dashboard, dashboard_table
from longarm.analytics.services import analytics_record_access
from longarm.core.downloads import as_attachment

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@staff_view(Role.ANALYST)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    form = DashboardForm(request.GET or None)
    form.is_valid()
    filters = form.filters()
    rows, columns = form.crosstab()
    page = dashboard(filters=filters, rows=rows, columns=columns, rtl=get_language_bidi())
    analytics_record_access(
        actor=acting_staff(request), table=f"dashboard:{rows}*{columns}", filters=filters, form="view"
    )
    return render(
        request,
        "analytics/dashboard.html",
        {"form": form, "page": page, "query": request.GET.urlencode()},
    )


@staff_view(Role.ANALYST)
def download(request: HttpRequest, table: str, form: str) -> HttpResponse:
    """A table of the dashboard as CSV or JSON, always through disclosure control: it leaves the analyst
    role, and small cells with it could identify someone in a small community."""
    if table not in TABLE_KEYS or form not in FORMATS:
        raise Http404
    bound = DashboardForm(request.GET or None)
    bound.is_valid()
    filters = bound.filters()
    rows, columns = bound.crosstab()
    counts = dashboard_table(table, filters=filters, rows=rows, columns=columns)
    protected = protect(counts, threshold=settings.LONGARM_DISCLOSURE_THRESHOLD)
    applied = {} if table in UNFILTERED_TABLES else filters.as_query()
    content = table_content(protected, filters=applied, mechanism="none", epsilon=None, delta=None)
    name = f"{table}-{rows}-{columns}" if table == "crosstab" else table
    analytics_record_access(actor=acting_staff(request), table=name, filters=filters, form=form)
    body = table_csv(content) if form == "csv" else json.dumps(content, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type=FORMATS[form])
    return as_attachment(response, f"longarm-{name}.{form}")
