from django.urls import path

from longarm.evidence import views

app_name = "evidence"
urlpatterns = [
    path("reports/<uuid:public_id>/files/", views.staff_upload, name="staff_upload"),
    path("reports/<uuid:public_id>/export/", views.staff_export, name="staff_export"),
    path("files/<uuid:item_id>/offers/<int:index>/add/", views.offer_add, name="offer_add"),
    path("files/<uuid:item_id>/<str:variant>/", views.staff_file, name="staff_file"),
]
