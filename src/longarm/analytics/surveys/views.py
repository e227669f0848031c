import csv
import json
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, public_view, staff_view
from longarm.accounts.models import Role
from longarm.analytics.surveys.forms import CampaignForm
from longarm.analytics.surveys.models import SurveyCampaign
from longarm.analytics.surveys.selectors import (
    CampaignResults,
    campaign_for_link,
    campaign_for_staff,
    campaign_results,
    campaigns_for_staff,
)
from longarm.analytics.surveys.services import (
    campaign_close,
    campaign_create,
    campaign_results_record_export,
    survey_response_nothing_happened,
)
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.core.downloads import as_attachment
from longarm.gate.exceptions import GateRefused
from longarm.gate.services import gate_pass
from longarm.gate.tokens import Purpose
from longarm.gate.widget import gate_widget, refusal_message
from longarm.taxonomy.vocabularies import vocabulary

# Admins set campaigns up and close them; the figures are for analysts (DESIGN §5: need to know).
SURVEY_STAFF = (Role.ANALYST, Role.ADMIN)
RESULTS_STAFF = (Role.ANALYST,)


@staff_view(*SURVEY_STAFF)
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = campaigns_for_staff(user=acting_staff(request))
    return render(request, "surveys/campaign_list.html", {"campaigns": campaigns})


@staff_view(*SURVEY_STAFF)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = campaign_create(actor=acting_staff(request), **form.cleaned_data)
        messages.success(
            request, _("The campaign was created. Share its link only with the community surveyed.")
        )
        return redirect("surveys:campaign", campaign_id=campaign.public_id)
    return render(request, "surveys/campaign_form.html", {"form": form})


@staff_view(*SURVEY_STAFF)
def campaign_detail(request: HttpRequest, campaign_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    campaign = campaign_for_staff(user=user, public_id=campaign_id)
    return render(
        request,
        "surveys/campaign.html",
        {
            "campaign": campaign,
            "results": campaign_results(campaign=campaign) if user.role in RESULTS_STAFF else None,
            "is_open": campaign.is_open_on(timezone.now().date()),
            "link": request.build_absolute_uri(reverse("survey:intro", args=[campaign.slug])),
        },
    )


@staff_view(*SURVEY_STAFF)
@require_POST
def campaign_close_view(request: HttpRequest, campaign_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    campaign = campaign_for_staff(user=user, public_id=campaign_id)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Close the campaign “%(title)s”?") % {"title": campaign.title},
            consequence=_(
                "Its link stops taking responses at once. A closed campaign cannot be opened again."
            ),
            cancel_url=reverse("surveys:campaign", args=[campaign_id]),
        )
    campaign_close(actor=user, campaign=campaign)
    messages.success(request, _("The campaign is closed and takes no more responses."))
    return redirect("surveys:campaign", campaign_id=campaign_id)


def _export(request: HttpRequest, campaign_id: UUID, file_format: str) -> CampaignResults:
    user = acting_staff(request)
    campaign = campaign_for_staff(user=user, public_id=campaign_id)
    campaign_results_record_export(actor=user, campaign=campaign, file_format=file_format)
    return campaign_results(campaign=campaign)


def _filename(results: CampaignResults, extension: str) -> str:
    return f"survey-{results.campaign.public_id}-results.{extension}"


@staff_view(*RESULTS_STAFF)
def campaign_results_csv(request: HttpRequest, campaign_id: UUID) -> HttpResponse:
    results = _export(request, campaign_id, "csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    as_attachment(response, _filename(results, "csv"))
    writer = csv.writer(response)
    writer.writerow(
        ["indicator", "respondents", "yes", "prevalence", "ci_low", "ci_high", "confidence", "suppressed"]
    )
    for item in results.indicators:
        writer.writerow(
            [
                item.code,
                item.respondents,
                "" if item.yes is None else item.yes,
                *(
                    "" if value is None else f"{value:.6f}"
                    for value in (item.prevalence, item.low, item.high)
                ),
                results.confidence,
                "yes" if item.suppressed else "no",
            ]
        )
    return response


@staff_view(*RESULTS_STAFF)
def campaign_results_json(request: HttpRequest, campaign_id: UUID) -> HttpResponse:
    results = _export(request, campaign_id, "json")
    campaign = results.campaign
    document = {
        "campaign": {
            "id": str(campaign.public_id),
            "title": campaign.title,
            "community": campaign.community,
            "host_country": campaign.host_country,
            "opens_on": campaign.opens_on.isoformat(),
            "closes_on": campaign.closes_on.isoformat(),
        },
        "respondents": results.respondents,
        "disclosure_threshold": results.threshold,
        "interval": {"method": "wilson", "confidence": results.confidence},
        "indicators": [
            {
                "code": item.code,
                "respondents": item.respondents,
                "yes": item.yes,
                "prevalence": item.prevalence,
                "ci_low": item.low,
                "ci_high": item.high,
                "suppressed": item.suppressed,
            }
            for item in results.indicators
        ],
    }
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    return as_attachment(response, _filename(results, "json"))


@public_view
def campaign_intro(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = campaign_for_link(slug)
    if campaign is None:
        raise Http404
    return _intro(request, campaign)


def _intro(request: HttpRequest, campaign: SurveyCampaign, *, refusal: str = "") -> HttpResponse:
    is_open = campaign.is_open_on(timezone.now().date())
    return render(
        request,
        "surveys/intro.html",
        {
            "campaign": campaign,
            "is_open": is_open,
            "community": vocabulary("communities").label(campaign.community),
            "host_country": vocabulary("host_countries").label(campaign.host_country),
            "gate": gate_widget(request, Purpose.REPORT) if is_open else None,
            "refusal": refusal,
        },
        status=400 if refusal else 200,
    )


@public_view
@require_POST
def campaign_nothing_happened(request: HttpRequest, slug: str) -> HttpResponse:
    """A respondent's answer that none of it happened to them: counted once the gate is paid."""
    campaign = campaign_for_link(slug)
    if campaign is None:
        raise Http404
    if not campaign.is_open_on(timezone.now().date()):
        return _intro(request, campaign)
    try:
        gate_pass(purpose=Purpose.REPORT, data=request.POST)
    except GateRefused as error:
        return _intro(request, campaign, refusal=refusal_message(error))
    survey_response_nothing_happened(campaign=campaign)
    return render(request, "surveys/counted.html", {"campaign": campaign})
