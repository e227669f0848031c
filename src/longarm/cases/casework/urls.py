from django.urls import path

from longarm.cases.casework import selection, views
from longarm.cases.coding import views as coding
from longarm.cases.hotline import views as hotline

CASE = "cases/<uuid:case_id>/"

urlpatterns = [
    path("cases/", views.cases, name="case_list"),
    path("reports/<uuid:public_id>/open-case/", views.case_new, name="case_open"),
    path("reports/open-case/", selection.reports_open_case, name="reports_open_case"),
    path("reports/add-to-case/", selection.reports_add_to_case_view, name="reports_add_to_case"),
    path(CASE, views.case_detail, name="case"),
    path(CASE + "status/", views.case_status, name="case_status"),
    path(CASE + "triage/", views.case_triage_view, name="case_triage"),
    path(CASE + "summary/", views.case_summary, name="case_summary"),
    path(CASE + "notes/", views.case_note, name="case_note"),
    path(CASE + "members/", views.case_grant_view, name="case_grant"),
    path(CASE + "members/<int:staff_id>/revoke/", views.case_revoke_view, name="case_revoke"),
    path(CASE + "merge/", views.case_merge_view, name="case_merge"),
    path(CASE + "reports/<uuid:report_id>/split/", views.case_split_view, name="case_split"),
    path(CASE + "incidents/new/", coding.incident_new, name="incident_new"),
    path(CASE + "incidents/<uuid:incident_id>/", coding.incident_edit, name="incident_edit"),
    path(CASE + "persons/new/", coding.person_new, name="person_new"),
    path(CASE + "persons/<uuid:person_id>/", coding.person_edit, name="person_edit"),
    path(CASE + "identifiers/", coding.identifier_new, name="identifier_new"),
    path(
        CASE + "identifiers/<uuid:identifier_id>/delete/", coding.identifier_remove, name="identifier_delete"
    ),
    path("hotline/", hotline.hotline, name="hotline"),
    path("hotline/new/", hotline.hotline_new, name="hotline_new"),
    path("hotline/reports/<uuid:public_id>/", hotline.hotline_report, name="hotline_report"),
]
