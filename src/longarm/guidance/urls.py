from django.urls import path

from longarm.guidance import views

app_name = "guidance"
urlpatterns = [
    path("rights/", views.rights, name="rights"),
    path("rights/<str:country>/", views.rights, name="rights_country"),
    path("safety/", views.safety, name="safety"),
]
