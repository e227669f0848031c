from django.urls import include, path

urlpatterns = [
    path("console/", include("longarm.cases.urls")),
    path("console/", include("longarm.accounts.urls")),
    path("", include("longarm.intake.urls")),
]
