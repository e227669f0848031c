import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.models import Role
from longarm.analytics.publication.charts import release_chart
from longarm.analytics.publication.exceptions import (
    BudgetExhausted,
    EmptyRelease,
    NotPending,
    OpenEndedPeriod,
)
from longarm.analytics.publication.formats import as_json, open_data_csv, table_csv
from longarm.analytics.publication.forms import DecisionForm, ReasonForm, ReleaseTableForm, WithdrawalForm
from longarm.analytics.publication.models import NoiseMechanism, Release, ReleaseKind, ReleaseStatus
from longarm.analytics.publication.presentation import release_title, shown_table
from longarm.analytics.publication.privacy import NoisePreview
from longarm.analytics.publication.selectors import (
    noise_defeating_releases,
    privacy_budgets,
    public_listing,
    public_release,
    release_for_staff,
    releases_for_staff,
)
from longarm.analytics.publication.services import (
    release_decide,
    release_download_record,
    release_noise_preview,
    release_propose_open_data,
    release_propose_table,
    release_withdraw,
)
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.core.downloads import as_attachment

READERS = (Role.ANALYST, Role.ADMIN)


@staff_view(*READERS)
def release_list(request: HttpRequest) -> HttpResponse:
    # Open-data content can be large; the list needs none of it.
    releases = list(releases_for_staff().defer("content")[:200])
    return render(
        request,
        "publication/release_list.html",
        {
            "releases": [(release, release_title(release)) for release in releases],
            "budgets": privacy_budgets(),
            "form": ReleaseTableForm() if acting_staff(request).role == Role.ANALYST else None,
        },
    )


@staff_view(Role.ANALYST)
def release_new(request: HttpRequest) -> HttpResponse:
    form = ReleaseTableForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            preview = _noise_preview(form)
            # Noise is drawn (and budget spent) only once its scale was shown for exactly these settings.
            if preview is None or request.POST.get("previewed") == form.preview_key():
                release = release_propose_table(
                    actor=acting_staff(request),
                    rows=data["rows"],
                    columns=data["columns"] or None,
                    filters=form.filters(),
                    mechanism=data["mechanism"],
                    epsilon=data["epsilon"],
                    delta=data["delta"],
                )
                messages.success(request, _("The table is proposed. An administrator must approve it."))
                return redirect("publication:release", release.public_id)
        except BudgetExhausted as exhausted:
            form.add_error(None, budget_left_message(exhausted))
        except EmptyRelease:
            form.add_error(None, _("No incident matches these filters, so there is nothing to publish."))
        except OpenEndedPeriod:
            form.add_error(None, _("A noisy table by month or year needs both a start and an end month."))
    return render(
        request,
        "publication/release_new.html",
        {"form": form, "preview": preview, "preview_key": form.preview_key() if preview else ""},
    )


def _noise_preview(form: ReleaseTableForm) -> NoisePreview | None:
    data = form.cleaned_data
    if data["mechanism"] == NoiseMechanism.NONE:
        return None
    return release_noise_preview(
        rows=data["rows"],
        columns=data["columns"] or None,
        mechanism=data["mechanism"],
        epsilon=data["epsilon"],
        delta=data["delta"],
    )


def budget_left_message(exhausted: BudgetExhausted) -> str:
    return _(
        "The privacy budget left is too small for this release: epsilon %(epsilon)s and delta %(delta)s "
        "remain for coded incidents."
    ) % {"epsilon": f"{exhausted.epsilon_left:.4g}", "delta": f"{exhausted.delta_left:.3g}"}


@staff_view(Role.ANALYST)
@require_POST
def open_data_new(request: HttpRequest) -> HttpResponse:
    try:
        release = release_propose_open_data(actor=acting_staff(request))
    except EmptyRelease:
        messages.error(request, _("No record is common enough to publish yet."))
        return redirect("publication:releases")
    messages.success(request, _("The records are proposed. An administrator must approve them."))
    return redirect("publication:release", release.public_id)


@staff_view(*READERS)
def release_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = release_for_staff(public_id=public_id)
    return render(request, "publication/release.html", _release_context(release, staff=True))


@staff_view(Role.ADMIN)
@require_POST
def release_decision(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = release_for_staff(public_id=public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(request, "publication/release.html", _release_context(release, staff=True, form=form))
    approve = form.cleaned_data["decision"] == "approve"
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Approve %(title)s for publication?") % {"title": release_title(release)}
            if approve
            else _("Reject %(title)s?") % {"title": release_title(release)},
            consequence=_("Anyone can then read and download it on the public statistics page.")
            if approve
            else _("It cannot be published afterwards; any privacy budget it spent stays spent."),
            cancel_url=reverse("publication:release", args=[release.public_id]),
        )
    try:
        release_decide(
            actor=acting_staff(request),
            release_id=release.pk,
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
    except NotPending:
        messages.error(request, _("This release was already decided."))
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("publication:release", release.public_id)


@staff_view(Role.ADMIN)
@require_POST
def release_withdrawal(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = release_for_staff(public_id=public_id)
    form = WithdrawalForm(request.POST)
    if not form.is_valid():
        return render(request, "publication/release.html", _release_context(release, staff=True, form=form))
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Withdraw %(title)s?") % {"title": release_title(release)},
            consequence=_(
                "Its figures and files leave the public statistics page, which says instead that it was "
                "withdrawn and when. Copies already downloaded cannot be recalled."
            ),
            cancel_url=reverse("publication:release", args=[release.public_id]),
        )
    try:
        release_withdraw(
            actor=acting_staff(request), release_id=release.pk, reason=form.cleaned_data["reason"]
        )
    except NotPending:
        messages.error(request, _("Only an approved release can be withdrawn."))
    else:
        messages.success(request, _("The release is no longer public."))
    return redirect("publication:release", release.public_id)


@staff_view(*READERS)
def release_csv(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = release_for_staff(public_id=public_id)
    release_download_record(actor=acting_staff(request), release=release, file_format="csv")
    return _download(release, "csv")


@staff_view(*READERS)
def release_json(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = release_for_staff(public_id=public_id)
    release_download_record(actor=acting_staff(request), release=release, file_format="json")
    return _download(release, "json")


@public_view
def statistics(request: HttpRequest) -> HttpResponse:
    rtl = get_language_bidi()
    tables, withdrawn = [], []
    for release in public_listing().filter(kind=ReleaseKind.TABLE):
        if release.status == ReleaseStatus.WITHDRAWN:
            withdrawn.append((release, release_title(release)))
            continue
        table = shown_table(release)
        chart = release_chart(table, chart_id=f"chart-{release.public_id}", rtl=rtl)
        tables.append((release, table, chart))
    open_data = []
    for release in public_listing().filter(kind=ReleaseKind.OPEN_DATA).defer("content"):
        if release.status == ReleaseStatus.WITHDRAWN:
            withdrawn.append((release, release_title(release)))
        else:
            open_data.append(release)
    withdrawn.sort(key=lambda pair: pair[0].withdrawn_at or pair[0].proposed_at, reverse=True)
    return render(
        request,
        "publication/statistics.html",
        {"tables": tables, "open_data": open_data, "withdrawn": withdrawn},
    )


@public_view
def statistics_csv(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _download(public_release(public_id=public_id), "csv")


@public_view
def statistics_json(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _download(public_release(public_id=public_id), "json")


def _release_context(release: Release, *, staff: bool, form: ReasonForm | None = None) -> dict[str, object]:
    table = shown_table(release) if release.kind == ReleaseKind.TABLE else None
    if form is None and release.status == ReleaseStatus.PROPOSED:
        form = DecisionForm()
    elif form is None and release.status == ReleaseStatus.APPROVED:
        form = WithdrawalForm()
    return {
        "release": release,
        "title": release_title(release),
        "table": table,
        "chart": release_chart(table, chart_id="chart", rtl=get_language_bidi()) if table else None,
        "record_count": len(release.content.get("records", ())),
        "pending": release.status == ReleaseStatus.PROPOSED,
        "overlaps": [
            (other, release_title(other))
            for other in (
                noise_defeating_releases(release)
                if staff and release.status == ReleaseStatus.PROPOSED
                else ()
            )
        ],
        "approved": release.status == ReleaseStatus.APPROVED,
        "staff": staff,
        "form": form,
    }


def _download(release: Release, file_format: str) -> HttpResponse:
    if file_format == "json":
        body, content_type = as_json(release.content), "application/json; charset=utf-8"
    elif release.kind == ReleaseKind.TABLE:
        body, content_type = table_csv(release.content), "text/csv; charset=utf-8"
    else:
        body, content_type = open_data_csv(release.content), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    name = f"longarm-{release.kind.replace('_', '-')}-{release.public_id}.{file_format}"
    return as_attachment(response, name)
