from django.urls import path

from longarm.gate import views

app_name = "gate"
urlpatterns = [path("gate/challenge/<slug:purpose>/", views.challenge, name="challenge")]
