from django.urls import path

from longarm.linking import views

app_name = "linking"
CASE = "cases/<uuid:case_id>/"

urlpatterns = [
    path(CASE + "cluster/", views.cluster, name="cluster"),
    path(CASE + "cluster/export.csv", views.cluster_export, name="cluster_export"),
    path(
        CASE + "identifiers/<uuid:identifier_id>/ask-access/",
        views.access_request_new,
        name="access_request_new",
    ),
    path(CASE + "identifiers/<uuid:identifier_id>/review/", views.link_review_view, name="link_review"),
    path(
        CASE + "suggestions/<uuid:suggestion_id>/",
        views.suggestion_decide,
        name="suggestion_decide",
    ),
    path("access-requests/", views.access_requests, name="requests"),
    path("access-requests/<int:request_id>/", views.access_request_decide_view, name="request_decide"),
]
