from django.urls import include, path

from longarm.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("reports/<uuid:public_id>/", views.report_detail, name="report"),
    path("reports/<uuid:public_id>/urgency/", views.report_urgency, name="report_urgency"),
    path("staff/", views.staff_list, name="staff_list"),
    path(
        "staff/<int:staff_id>/receives-reports/", views.staff_receives_reports, name="staff_receives_reports"
    ),
    path("", include("longarm.cases.referrals.urls")),
    path("", include("longarm.cases.casework.urls")),
]
