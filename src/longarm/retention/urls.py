from django.urls import path

from longarm.retention import views

app_name = "retention"

urlpatterns = [
    path("reports/<uuid:public_id>/", views.report_postpone, name="report_postpone"),
    path("cases/<uuid:case_id>/", views.case_postpone, name="case_postpone"),
]
