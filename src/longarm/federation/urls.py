from django.urls import path

from longarm.federation import views

app_name = "federation"

urlpatterns = [
    path("", views.federation_page, name="page"),
    path("partners/new/", views.partnership_new, name="partnership_new"),
    path("partners/<uuid:partnership_id>/", views.partnership_edit, name="partnership_edit"),
    path("partners/<uuid:partnership_id>/run/", views.partnership_run, name="partnership_run"),
    path("proposals/<uuid:proposal_id>/", views.proposal_decide, name="proposal_decide"),
    path(
        "cases/<uuid:case_id>/identifiers/<uuid:identifier_id>/contact/<uuid:partnership_id>/",
        views.partner_contact_view,
        name="contact",
    ),
]
