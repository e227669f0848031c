from django.urls import path

from longarm.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("<int:token_id>/revoke/", views.token_revoke, name="revoke"),
]
