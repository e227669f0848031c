from django.urls import path

from longarm.cases.attestations import views

app_name = "attestations"
urlpatterns = [path("attestation/", views.verify, name="verify")]
