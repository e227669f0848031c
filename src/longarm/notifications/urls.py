from django.urls import path

from longarm.notifications import views

app_name = "notifications"
urlpatterns = [path("digest/", views.digest_settings, name="digest")]
