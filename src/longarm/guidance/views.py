from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from longarm.accounts.access import public_view
from longarm.guidance.rights import RIGHTS_COUNTRIES
from longarm.taxonomy.vocabularies import vocabulary


@public_view
def rights(request: HttpRequest, country: str = "") -> HttpResponse:
    """The rights page for one host country, or the general one (with the list of countries)."""
    code = country.upper()
    if code and code not in RIGHTS_COUNTRIES:
        raise Http404
    host_countries = vocabulary("host_countries")
    return render(
        request,
        "guidance/rights.html",
        {
            "country": code,
            "country_name": host_countries.label(code) if code else "",
            "countries": [(item.lower(), host_countries.label(item)) for item in RIGHTS_COUNTRIES],
            "country_template": f"guidance/rights/{code.lower() or 'default'}.html",
        },
    )


@public_view
def safety(request: HttpRequest) -> HttpResponse:
    return render(request, "guidance/safety.html")
