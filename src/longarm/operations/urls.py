from django.urls import path

from longarm.accounts.access import public_view
from longarm.operations import views

app_name = "operations"

# Open to no one but the monitoring addresses (views.monitoring_only); marked public for the access matrix,
# which knows only staff roles and the public.
urlpatterns = [
    path("healthz", public_view(views.monitoring_only(views.healthz)), name="healthz"),
    path("readyz", public_view(views.monitoring_only(views.readyz)), name="readyz"),
    path("metrics", public_view(views.monitoring_only(views.metrics)), name="metrics"),
]
